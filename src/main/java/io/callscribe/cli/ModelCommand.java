package io.callscribe.cli;

import io.callscribe.engine.vosk.ModelCatalog;
import io.callscribe.engine.vosk.ModelDownloader;
import io.callscribe.engine.vosk.VoskModelDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code callscribe model pull NAME} and {@code callscribe model list}: get Vosk models for the embedded engine. */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Download and list Vosk models.",
        subcommands = {ModelCommand.Pull.class, ModelCommand.ListModels.class})
public final class ModelCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: use `model pull NAME` or `model list`");
    }

    @Command(name = "pull", mixinStandardHelpOptions = true,
            description = "Download an official Vosk model zip and unpack it into DIR/NAME.")
    static final class Pull implements Callable<Integer> {

        @Parameters(paramLabel = "NAME", description = "model name, e.g. vosk-model-small-en-us-0.15 (see `callscribe model list`)")
        String name;

        @Option(names = "--dir", defaultValue = "models", description = "where models are kept (default: ${DEFAULT-VALUE})")
        Path dir;

        @Option(names = "--url-base", defaultValue = ModelCatalog.DEFAULT_URL_BASE,
                description = "download from URL-BASE/NAME.zip (default: ${DEFAULT-VALUE})")
        String urlBase;

        @Override
        public Integer call() throws InterruptedException {
            ModelDownloader downloader = new ModelDownloader(urlBase, Duration.ofSeconds(15), Duration.ofSeconds(60));
            System.err.println("downloading " + downloader.urlOf(name) + " into " + dir.resolve(name));
            ProgressPrinter printer = new ProgressPrinter(System.err, name + ".zip");
            try {
                Path model = downloader.pull(name, dir, printer);
                printer.done();
                System.err.println("model ready: " + model + " (use --model " + model + ")");
                return 0;
            } catch (IOException e) {
                printer.done();
                System.err.println("callscribe model pull: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List known official models and the ones installed in DIR.")
    static final class ListModels implements Callable<Integer> {

        @Option(names = "--dir", defaultValue = "models", description = "where models are kept (default: ${DEFAULT-VALUE})")
        Path dir;

        @Override
        public Integer call() throws IOException {
            PrintStream out = System.out;
            out.println("Known Vosk models (https://alphacephei.com/vosk/models has many more):");
            for (ModelCatalog.Entry e : ModelCatalog.entries()) {
                boolean installed = VoskModelDirectory.problem(dir.resolve(e.name())).isEmpty();
                out.printf("  %-32s %-6s %8s  %s%s%n", e.name(), e.language(),
                        "~" + (e.approxBytes() >> 20) + " MB", e.note(), installed ? "  [installed]" : "");
            }
            if (Files.isDirectory(dir)) {
                try (var children = Files.list(dir)) {
                    var others = children.filter(p -> ModelCatalog.find(p.getFileName().toString()).isEmpty())
                            .filter(p -> VoskModelDirectory.problem(p).isEmpty()).sorted().toList();
                    if (!others.isEmpty()) {
                        out.println("Other models in " + dir + ":");
                        others.forEach(p -> out.println("  " + p.getFileName()));
                    }
                }
            }
            return 0;
        }
    }

    /** Prints "NAME: 37% 14.8 of 40.0 MB" in place on stderr, at most once per percent (or per MB when size is unknown). */
    static final class ProgressPrinter implements ModelDownloader.Progress {
        private final PrintStream err;
        private final String what;
        private long lastStep = -1;
        private boolean printed;

        ProgressPrinter(PrintStream err, String what) {
            this.err = err;
            this.what = what;
        }

        @Override
        public void update(long bytes, long total) {
            long step = total > 0 ? bytes * 100 / total : bytes >> 20;
            if (step == lastStep) {
                return;
            }
            lastStep = step;
            printed = true;
            String mb = String.format("%.1f", bytes / 1048576.0);
            err.print(total > 0
                    ? String.format("\r%s: %3d%% %s of %.1f MB", what, step, mb, total / 1048576.0)
                    : "\r" + what + ": " + mb + " MB");
            err.flush();
        }

        void done() {
            if (printed) {
                err.println();
                printed = false;
            }
        }
    }
}
