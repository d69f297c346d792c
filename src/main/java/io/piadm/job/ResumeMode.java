package io.piadm.job;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

import java.util.Locale;

/**
 * What a run does with a checkpoint of an interrupted run: {@link #OFF} refuses to start over one (it
 * would be lost), {@link #ON} continues from it and refuses when there is none, {@link #AUTO} continues
 * when there is one and starts fresh otherwise (what a scheduler's retry or YARN's second attempt wants).
 * All three refuse a checkpoint of another configuration.
 */
public enum ResumeMode {
    OFF, ON, AUTO;

    public static ResumeMode parse(String s) {
        if (s == null) {
            return OFF;
        }
        switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "on":
            case "true":
                return ON;
            case "auto":
                return AUTO;
            case "off":
            case "false":
                return OFF;
            default:
                throw new InvalidSettingException("{0} takes no value, 'auto' or 'off'; got '" + s + "'", Setting.RESUME);
        }
    }
}
