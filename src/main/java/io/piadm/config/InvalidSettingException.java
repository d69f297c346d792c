package io.piadm.config;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A setting's value is outside what is allowed: bad input, found before anything is written (or, for
 * settings only checkable at run time such as an unreachable master, before any output exists). The
 * message is a template whose {@code {0}}, {@code {1}}, ... stand for the settings involved, so each front
 * end renders them in its own spelling ({@link #render}); {@link #getMessage()} uses the neutral keys.
 */
public class InvalidSettingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String template;
    private final String detail;
    private final Setting[] settings;

    /** {@code template} names setting i as {@code {i}}; without placeholders the first setting leads. */
    public InvalidSettingException(String template, Setting... settings) {
        this(template, null, settings);
    }

    public InvalidSettingException(String template, Throwable cause, Setting... settings) {
        this(template, "", cause, settings);
    }

    /** {@code detail} is appended verbatim (user text such as a path is never read as a placeholder). */
    private InvalidSettingException(String template, String detail, Throwable cause, Setting... settings) {
        super(fill(lead(template, settings), settings, Setting::key) + detail, cause);
        this.template = lead(template, settings);
        this.detail = detail;
        this.settings = settings.clone();
    }

    /** Convenience: {@code "{0} must be <allowed>, got <value>"}. */
    public static InvalidSettingException range(Setting s, String allowed, Object got) {
        return new InvalidSettingException("{0} must be " + allowed + ", got " + got, s);
    }

    /** A bad model spec: {@code "<model setting> <detail>"}, e.g. {@code --model onnx:m.onnx: ...}. */
    public static InvalidSettingException model(String detail) {
        return new InvalidSettingException("{0} ", detail, null, Setting.MODEL);
    }

    /** As {@link #model(String)}, with the underlying cause. */
    public static InvalidSettingException model(String detail, Throwable cause) {
        return new InvalidSettingException("{0} ", detail, cause, Setting.MODEL);
    }

    public List<Setting> settings() {
        return Arrays.asList(settings.clone());
    }

    /** The message with each setting spelled by {@code name}, e.g. as a command-line flag. */
    public String render(Function<Setting, String> name) {
        return fill(template, settings, name) + detail;
    }

    private static String lead(String template, Setting[] settings) {
        if (settings.length > 0 && !template.contains("{0}")) {
            return "{0} " + template;
        }
        return template;
    }

    private static String fill(String template, Setting[] settings, Function<Setting, String> name) {
        String out = template;
        for (int i = 0; i < settings.length; i++) {
            out = out.replace("{" + i + "}", name.apply(settings[i]));
        }
        return out;
    }
}
