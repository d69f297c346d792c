package io.piadm.io;

import io.piadm.config.InvalidSettingException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputDirTest {
    @TempDir
    Path tmp;

    private List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void commitMovesCompleteDirectoryIntoPlace() throws IOException {
        Path target = tmp.resolve("run");
        try (OutputDir od = OutputDir.open(target, false)) {
            assertFalse(Files.exists(target), "nothing at the target before commit");
            assertEquals(tmp, od.dir().getParent(), "temporary directory is a sibling");
            Files.writeString(od.dir().resolve("a.txt"), "A");
            assertEquals(target, od.commit());
        }
        assertEquals("A", Files.readString(target.resolve("a.txt")));
        assertEquals(List.of("run"), entries(tmp), "no temporary directory left behind");
    }

    @Test
    void failureBeforeCommitLeavesNothing() throws IOException {
        Path target = tmp.resolve("run");
        assertThrows(IllegalStateException.class, () -> {
            try (OutputDir od = OutputDir.open(target, false)) {
                Files.createDirectories(od.dir().resolve("sub"));
                Files.writeString(od.dir().resolve("sub/partial.npy"), "half");
                throw new IllegalStateException("sampler failed");
            }
        });
        assertEquals(List.of(), entries(tmp));
    }

    @Test
    void refusesExistingDirectoryWithoutOverwrite() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("run"));
        Files.writeString(target.resolve("old.txt"), "old");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.open(target, false));
        assertTrue(flags(e).startsWith("--out"), flags(e));
        assertTrue(flags(e).contains("--overwrite"), flags(e));
        assertEquals(List.of("run"), entries(tmp));
        assertEquals("old", Files.readString(target.resolve("old.txt")));
    }

    @Test
    void overwriteReplacesOnlyAfterTheNewOneIsComplete() throws IOException {
        Path target = Files.createDirectory(tmp.resolve("run"));
        Files.writeString(target.resolve("old.txt"), "old");
        try (OutputDir od = OutputDir.open(target, true)) {
            Files.writeString(od.dir().resolve("new.txt"), "new");
            assertEquals("old", Files.readString(target.resolve("old.txt")), "old outputs intact until commit");
            od.commit();
        }
        assertEquals(List.of("new.txt"), entries(target));
        assertEquals(List.of("run"), entries(tmp), "old copy and temporary directory removed");

        // A failed overwrite keeps the previous outputs.
        try (OutputDir od = OutputDir.open(target, true)) {
            Files.writeString(od.dir().resolve("newer.txt"), "x");
        }
        assertEquals(List.of("new.txt"), entries(target));
        assertEquals(List.of("run"), entries(tmp));
    }

    @Test
    void checkCreatesNothingAndNamesTheProblem() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.check(file.resolve("run"), false));
        assertTrue(flags(e).startsWith("--out") && flags(e).contains("not a directory"), flags(e));
        e = assertThrows(InvalidSettingException.class, () -> OutputDir.check(file, true));
        assertTrue(flags(e).contains("not a directory"), flags(e));

        Path deep = tmp.resolve("a/b/c/run");
        assertEquals(deep, OutputDir.check(deep, false));
        assertFalse(Files.exists(tmp.resolve("a")), "check must not create parents");
        try (OutputDir od = OutputDir.open(deep, false)) {
            od.commit();
        }
        assertTrue(Files.isDirectory(deep));
    }

    @Test
    void unwritableParentIsReportedUpFront() throws IOException {
        Path ro = Files.createDirectory(tmp.resolve("ro"));
        Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            // root may write anywhere: only meaningful for ordinary users.
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(ro), "running as root");
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                    () -> OutputDir.check(ro.resolve("run"), false));
            assertTrue(flags(e).contains("not writable"), flags(e));
        } finally {
            Files.setPosixFilePermissions(ro, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void directoryWhereNothingCanBeCreatedIsReportedEvenForRoot() throws IOException {
        Path proc = Path.of("/proc");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux /proc");
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> OutputDir.check(proc.resolve("piadm-run"), false));
        assertTrue(flags(e).startsWith("--out") && flags(e).contains("cannot create files"),
                flags(e));
        assertEquals(List.of(), entries(tmp));
    }

    /** The message as the command line renders it. */
    private static String flags(InvalidSettingException e) {
        return e.render(s -> "--" + s.key());
    }
}
