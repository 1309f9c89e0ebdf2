package io.callscribe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code callscribe <command>}. */
@Command(name = "callscribe", mixinStandardHelpOptions = true, version = "callscribe 0.1.0",
        description = "Real-time phone-call transcription for Asterisk.",
        subcommands = {CommandLine.HelpCommand.class, ModelCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    public static CommandLine commandLine() {
        return new CommandLine(new Main());
    }
}
