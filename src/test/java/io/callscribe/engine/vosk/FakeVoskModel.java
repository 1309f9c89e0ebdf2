package io.callscribe.engine.vosk;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * TEST FIXTURE: the file layout of a Vosk model (am/, conf/, graph/) with placeholder contents. It passes
 * the layout check but is no model: libvosk rejects it when it parses final.mdl. No real model exists here.
 */
final class FakeVoskModel {

    private FakeVoskModel() {
    }

    /** Relative path to content of a fake model at {@code rate} Hz. */
    static Map<String, String> files(int rate) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("am/final.mdl", "placeholder, not a Kaldi model\n");
        f.put("conf/model.conf", "--min-active=200\n--max-active=3000\n");
        f.put("conf/mfcc.conf", "--sample-frequency=" + rate + "\n--use-energy=false\n");
        f.put("graph/HCLr.fst", "placeholder\n");
        f.put("graph/Gr.fst", "placeholder\n");
        f.put("README", "test fixture\n");
        return f;
    }

    static Path write(Path dir, int rate) throws IOException {
        for (var e : files(rate).entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue());
        }
        return dir;
    }

    /** A zip like the official ones: every entry under a top folder {@code name/}, plus {@code extra} entries as given. */
    static byte[] zip(String name, int rate, Map<String, String> extra) throws IOException {
        var bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            z.putNextEntry(new ZipEntry(name + "/"));
            z.closeEntry();
            for (var e : files(rate).entrySet()) {
                put(z, name + "/" + e.getKey(), e.getValue());
            }
            for (var e : extra.entrySet()) {
                put(z, e.getKey(), e.getValue());
            }
        }
        return bytes.toByteArray();
    }

    private static void put(ZipOutputStream z, String entry, String content) throws IOException {
        z.putNextEntry(new ZipEntry(entry));
        OutputStream o = z;
        o.write(content.getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
    }
}
