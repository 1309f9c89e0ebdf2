package io.callscribe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code callscribe <command>}. */
@Command(name = "callscribe", mixinStandardHelpOptions = true, version = "callscribe 0.1.0",
        description = "Real-time phone-call transcription for Asterisk.",
        subcommands = {DemoCommand.class, TranscribeCommand.class, RunCommand.class, ServeCommand.class, ModelCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        CommandLine cl = commandLine();
        try {
            cl.setDefaultValueProvider(new ConfigDefaults(System.getenv(), ConfigDefaults.configArgument(args)));
        } catch (java.io.IOException e) {
            System.err.println("callscribe: " + e.getMessage());
            System.exit(2);
        }
        System.exit(cl.execute(args));
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // Expected failures (bad file, unreachable server) get one clear line, not a stack trace.
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            commandLine.getErr().println("callscribe: " + message);
            if (System.getenv("CALLSCRIBE_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            }
            return e instanceof IllegalArgumentException ? 2 : 1;
        });
        return cl;
    }
}
