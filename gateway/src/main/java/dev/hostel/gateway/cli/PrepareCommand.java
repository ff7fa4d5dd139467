package dev.hostel.gateway.cli;

import dev.hostel.gateway.supervisor.RunnerLauncher;
import picocli.CommandLine.Command;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code hostel prepare}: makes, ahead of time, what the first {@code run} would otherwise make while its sites
 * wait: Jython's unpacked library and the runners' class-data archive, next to the runner's jars. A container build
 * runs it in its final stage (with the runtime image's own {@code java}, which the archive is tied to), so that
 * the first start of a container is as fast as any other.
 */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = "Unpack Jython's library and make the runners' class-data archive ahead of the first run.")
public final class PrepareCommand implements Callable<Integer> {
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    @Override
    public Integer call() throws Exception {
        Path scratch = Files.createTempDirectory("hostel-prepare");
        try (RunnerLauncher launcher = new RunnerLauncher(RunCommand.home(), scratch.resolve("run"),
                scratch.resolve("logs"))) {
            if (!launcher.awaitPrepared(TIMEOUT.toSeconds())) {
                System.err.println("hostel prepare: the class-data archive or Jython's library could not be made;"
                        + " see the log above and " + scratch.resolve("logs"));
                return 1;
            }
        }
        System.out.println("hostel prepare: done");
        return 0;
    }
}
