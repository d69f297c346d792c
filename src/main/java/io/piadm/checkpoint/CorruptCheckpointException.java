package io.piadm.checkpoint;

import java.io.IOException;

/** A checkpoint file that is not a complete, valid piadm checkpoint: names the file and what is wrong. */
public final class CorruptCheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CorruptCheckpointException(String file, String problem) {
        super("checkpoint " + file + " is unusable: " + problem);
    }
}
