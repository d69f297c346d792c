package io.piadm.cli;

/** Invalid user input found before anything was written: one line on stderr, exit code 2. */
final class BadInput extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInput(String message, Throwable cause) {
        super(message, cause);
    }
}
