package dev.hostel.gateway;

import dev.hostel.gateway.cli.CheckCommand;
import dev.hostel.gateway.cli.CtlCommand;
import dev.hostel.gateway.cli.PrepareCommand;
import dev.hostel.gateway.cli.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** {@code hostel}: the command line. Each subcommand is a class of its own in {@code cli}. */
@Command(name = "hostel", mixinStandardHelpOptions = true, version = "hostel " + Main.VERSION,
        description = "Hosts many small Python WSGI sites, each in its own Jython runner process.",
        subcommands = {RunCommand.class, CheckCommand.class, CtlCommand.class, PrepareCommand.class,
            CommandLine.HelpCommand.class})
public final class Main {
    public static final String VERSION = "0.1.0";

    public static void main(String[] args) {
        // One line per record, operator-readable, before any logger exists.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
        // `run` returns once Hostel has stopped; whatever threads are left must not keep the JVM alive.
        CommandLine cli = new CommandLine(new Main());
        // UTF-8 whatever the locale: ctl copies what the gateway rendered, byte for byte, as curl does.
        cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
        System.exit(cli.execute(args));
    }
}
