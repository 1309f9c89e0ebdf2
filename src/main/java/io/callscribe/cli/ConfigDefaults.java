package io.callscribe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Defaults for options, in this order: a flag on the command line wins, then an environment variable
 * ({@code --audiosocket} is {@code CALLSCRIBE_AUDIOSOCKET}), then the config file (YAML, key
 * {@code audiosocket}, or nested {@code spool: {dir: ...}} for {@code --spool-dir}), then the built-in default.
 */
final class ConfigDefaults implements CommandLine.IDefaultValueProvider {

    private final Map<String, String> env;
    private final JsonNode config;
    private final Path configFile;

    ConfigDefaults(Map<String, String> env, Path configFile) throws IOException {
        this.env = env;
        this.configFile = configFile;
        this.config = configFile == null ? null : read(configFile);
    }

    private static JsonNode read(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IOException("config file " + file + " does not exist or is not readable");
        }
        try {
            JsonNode node = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
            if (node != null && !node.isNull() && !node.isObject()) {
                throw new IOException("config file " + file + " must be a YAML mapping of setting: value");
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("config file " + file + " is not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    /** Finds {@code --config FILE} or {@code --config=FILE} before picocli parses the rest. */
    static Path configArgument(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                return Path.of(args[i + 1]);
            }
            if (args[i].startsWith("--config=")) {
                return Path.of(args[i].substring("--config=".length()));
            }
        }
        return null;
    }

    /**
     * Keys of the config file that name no option of {@code command} (nested keys as {@code a-b}). Without this
     * check a misspelt key would be ignored silently and the service would run with a default instead.
     */
    List<String> unknownKeys(CommandLine.Model.CommandSpec command) {
        List<String> unknown = new ArrayList<>();
        if (config == null) {
            return unknown;
        }
        java.util.Set<String> known = new java.util.HashSet<>();
        for (CommandLine.Model.OptionSpec o : command.options()) {
            if (!o.usageHelp() && !o.versionHelp() && !o.longestName().equals("--config")) {
                known.add(o.longestName().replaceFirst("^--", ""));
            }
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = config.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isObject()) {
                for (Iterator<String> sub = e.getValue().fieldNames(); sub.hasNext(); ) {
                    String key = e.getKey() + "-" + sub.next();
                    if (!known.contains(key)) {
                        unknown.add(key);
                    }
                }
            } else if (!known.contains(e.getKey())) {
                unknown.add(e.getKey());
            }
        }
        return unknown;
    }

    @Override
    public String defaultValue(CommandLine.Model.ArgSpec argSpec) {
        if (!(argSpec instanceof CommandLine.Model.OptionSpec option) || option.longestName().equals("--config")) {
            return argSpec.defaultValue();
        }
        String key = option.longestName().replaceFirst("^--", "");
        String fromEnv = env.get("CALLSCRIBE_" + key.toUpperCase(Locale.ROOT).replace('-', '_'));
        if (fromEnv != null) {
            return fromEnv;
        }
        String fromFile = lookup(key);
        return fromFile != null ? fromFile : argSpec.defaultValue();
    }

    private String lookup(String key) {
        if (config == null) {
            return null;
        }
        JsonNode node = config.get(key);
        if (node == null) {
            int dash = key.indexOf('-');
            if (dash > 0 && config.get(key.substring(0, dash)) instanceof JsonNode section && section.isObject()) {
                node = section.get(key.substring(dash + 1));
            }
        }
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isArray()) {
            List<String> items = new ArrayList<>();
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                items.add(it.next().asText());
            }
            return String.join(",", items);
        }
        if (node.isObject()) {
            // A section such as "webhook: {partials: true}" holds webhook-partials, not a value of --webhook;
            // keys in it that name no option are reported by unknownKeys().
            return null;
        }
        return node.asText();
    }
}
