package io.callscribe.cli;

import picocli.CommandLine;

/**
 * Test support: the real {@code callscribe run} service, parsed from command-line arguments as {@link Main}
 * does and started in-process, for tests outside this package (the browser tests) that need its bound ports.
 * <pre>{@code
 * try (RunningService s = RunningService.start("--asr", vosk.uri().toString(), "--http", "127.0.0.1:0", ...)) {
 *     FakeAsterisk.call(s.audioSocketPort(), UUID.randomUUID());
 * }
 * }</pre>
 */
public final class RunningService implements AutoCloseable {

    private final RunCommand.Service service;

    private RunningService(RunCommand.Service service) {
        this.service = service;
    }

    /** Parses {@code args} as options of {@code callscribe run} and starts the service. */
    public static RunningService start(String... args) throws Exception {
        String[] full = new String[args.length + 1];
        full[0] = "run";
        System.arraycopy(args, 0, full, 1, args.length);
        CommandLine cl = Main.commandLine();
        cl.parseArgs(full);
        RunCommand command = cl.getSubcommands().get("run").getCommand();
        return new RunningService(command.start());
    }

    /** The bound port of the call API and page (the real one for {@code --http 127.0.0.1:0}). */
    public int httpPort() {
        if (service.web == null) {
            throw new IllegalStateException("the service runs without --http");
        }
        return service.web.port();
    }

    /** The bound AudioSocket port (the real one for {@code --audiosocket 127.0.0.1:0}). */
    public int audioSocketPort() {
        if (service.audioSocket == null) {
            throw new IllegalStateException("the service runs without --audiosocket");
        }
        return service.audioSocket.port();
    }

    public String url() {
        return "http://127.0.0.1:" + httpPort() + "/";
    }

    /** Stops the service as on SIGTERM: live calls end with their final results, then the listeners close. */
    @Override
    public void close() throws InterruptedException {
        service.close();
    }
}
