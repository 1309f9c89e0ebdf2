package io.callscribe.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class ModelCommandTest {

    @TempDir
    Path tmp;

    /** Runs the CLI with stdout and stderr captured; returns {exit code, stdout, stderr}. */
    private static Object[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.commandLine().execute(args);
            return new Object[] {code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** TEST FIXTURE: a zip with the Vosk model file layout and placeholder contents. */
    private static byte[] fakeModelZip(String name) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            for (String f : new String[] {"am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLG.fst"}) {
                z.putNextEntry(new ZipEntry(name + "/" + f));
                z.write("placeholder\n".getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return b.toByteArray();
    }

    @Test
    void pullThenListShowsTheModel() throws Exception {
        String name = "vosk-model-small-en-us-0.15";
        byte[] zip = fakeModelZip(name);
        HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        http.createContext("/m/", ex -> {
            // Chunked (no Content-Length), so only the size check after the download can catch the wrong size.
            ex.sendResponseHeaders(200, 0);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(zip);
            }
        });
        http.start();
        try {
            Path dir = tmp.resolve("models");
            Object[] r = run("model", "pull", name, "--dir", dir.toString(),
                    "--url-base", "http://127.0.0.1:" + http.getAddress().getPort() + "/m");
            // The tiny fixture is far below the catalog's ~40 MB for this name: the size sanity check refuses it.
            assertThat(r[0]).isEqualTo(1);
            assertThat((String) r[2]).contains("callscribe model pull: download of").contains("probably cut short");
            assertThat(dir.resolve(name)).doesNotExist();

            String other = "vosk-model-fixture-0.1";
            byte[] otherZip = fakeModelZip(other);
            http.createContext("/o/", ex -> {
                ex.sendResponseHeaders(200, otherZip.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(otherZip);
                }
            });
            r = run("model", "pull", other, "--dir", dir.toString(),
                    "--url-base", "http://127.0.0.1:" + http.getAddress().getPort() + "/o");
            assertThat(r[0]).isEqualTo(0);
            assertThat((String) r[2]).contains("100%").contains("model ready: " + dir.resolve(other));
            assertThat(Files.isRegularFile(dir.resolve(other).resolve("am/final.mdl"))).isTrue();

            r = run("model", "list", "--dir", dir.toString());
            assertThat(r[0]).isEqualTo(0);
            assertThat((String) r[1]).contains("vosk-model-small-en-us-0.15").contains("~40 MB")
                    .contains("Other models in " + dir).contains(other);
        } finally {
            http.stop(0);
        }
    }

    @Test
    void offlinePullFailsWithTheOfflineHint() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Object[] r = run("model", "pull", "vosk-model-small-en-us-0.15", "--dir", tmp.toString(),
                "--url-base", "http://127.0.0.1:" + closed);
        assertThat(r[0]).isEqualTo(1);
        assertThat((String) r[2]).contains("callscribe model pull: cannot reach 127.0.0.1:" + closed)
                .contains("this machine may be offline");
    }
}
