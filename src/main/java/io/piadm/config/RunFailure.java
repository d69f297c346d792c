package io.piadm.config;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A run that was started on valid settings failed in a way the user can act on (non-finite samples, a
 * training run that diverged, a disk that filled while the outputs were written): the message says what
 * happened, what was (not) written and what to do, so a front end prints it as it is, without a Java class
 * name, and exits with the failure code (not the bad-input code). Like {@link InvalidSettingException}, the
 * message is a template whose {@code {0}}, {@code {1}}, ... stand for settings, rendered by the front end.
 */
public class RunFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String template;
    private final Setting[] settings;

    public RunFailure(String template, Setting... settings) {
        this(template, null, settings);
    }

    public RunFailure(String template, Throwable cause, Setting... settings) {
        super(fill(template, settings, Setting::key), cause);
        this.template = template;
        this.settings = settings.clone();
    }

    public List<Setting> settings() {
        return Arrays.asList(settings.clone());
    }

    /** The message with each setting spelled by {@code name}, e.g. as a command-line flag. */
    public String render(Function<Setting, String> name) {
        return fill(template, settings, name);
    }

    private static String fill(String template, Setting[] settings, Function<Setting, String> name) {
        String out = template;
        for (int i = 0; i < settings.length; i++) {
            out = out.replace("{" + i + "}", name.apply(settings[i]));
        }
        return out;
    }
}
