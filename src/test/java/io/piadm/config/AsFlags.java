package io.piadm.config;

/** Tests: the message of an error as the command line shows it (settings spelled as {@code --flags}). */
public final class AsFlags {
    private AsFlags() {}

    public static String message(Throwable e) {
        return e instanceof InvalidSettingException ise ? ise.render(s -> "--" + s.key()) : e.getMessage();
    }
}
