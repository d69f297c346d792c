package io.piadm.io;

import java.util.Map;

/** A separate process that claims a location, says so on stdout, then waits to be killed (OutputClaimTest). */
public final class ClaimHolderMain {
    private ClaimHolderMain() {}

    public static void main(String[] args) throws Exception {
        OutputClaim c = OutputClaim.acquire(args[0], new org.apache.hadoop.conf.Configuration(),
                Map.of("command", "holder"), io.piadm.config.Setting.OUT);
        System.out.println("claimed " + c.claimFile());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
