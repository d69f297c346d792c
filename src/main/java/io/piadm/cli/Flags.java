package io.piadm.cli;

import io.piadm.config.InvalidSettingException;
import io.piadm.config.Setting;

/**
 * The command line's spelling of the typed settings: {@code Setting.BATCH_SIZE} is {@code --batch-size}.
 * The only place flag names are derived; lower layers name settings, never flags.
 */
final class Flags {
    private Flags() {}

    static String of(Setting s) {
        return "--" + s.key();
    }

    /** The message of {@code e} with its settings spelled as flags. */
    static String message(InvalidSettingException e) {
        return e.render(Flags::of);
    }
}
