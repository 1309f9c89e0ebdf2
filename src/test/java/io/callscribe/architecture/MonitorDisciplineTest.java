package io.callscribe.architecture;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No {@code synchronized} around blocking code anywhere in main: on JDK 21-23 a virtual thread that blocks
 * inside a monitor pins its carrier thread, so a few quiet recordings could starve every other call.
 *
 * <p>Beside {@code VirtualThreadPinningTest}, which runs the service under load on a Java 21 runtime with
 * {@code -Djdk.tracePinnedThreads=full} and so sees only the paths that load takes, this test checks the rule itself,
 * for every path and on any JDK (on 24+ monitors no longer pin and the flag reports nothing): it reads every class of
 * {@code target/classes}, builds the call graph inside main (a call through an interface or superclass reaches
 * every main implementation), marks as blocking every method that reaches a blocking primitive (sleep, wait,
 * park, lock and latch waits, queue put/take, future get, join, stream/channel/socket/file I/O, printing), and
 * fails for every synchronized method, and every call between MONITORENTER and MONITOREXIT, that is blocking.
 * Its limits: blocking inside libraries that are not on the primitive list, and callbacks through JDK
 * interfaces ({@code Runnable}, {@code Consumer}), are not followed.
 */
class MonitorDisciplineTest {

    private static final Path CLASSES = Path.of("target/classes");

    /** Owner-class prefixes whose every method blocks or does I/O. */
    private static final List<String> BLOCKING_OWNERS = List.of("java/io/InputStream", "java/io/OutputStream",
            "java/io/FileInputStream", "java/io/FileOutputStream", "java/io/BufferedInputStream",
            "java/io/BufferedOutputStream", "java/io/DataInputStream", "java/io/DataOutputStream", "java/io/Reader",
            "java/io/Writer", "java/io/BufferedReader", "java/io/BufferedWriter", "java/io/PrintStream",
            "java/io/PrintWriter", "java/io/RandomAccessFile", "java/io/OutputStreamWriter", "java/nio/file/Files",
            "java/nio/channels/FileChannel", "java/nio/channels/SocketChannel", "java/nio/channels/ServerSocketChannel",
            "java/net/Socket", "java/net/ServerSocket", "java/net/http/HttpClient", "java/nio/file/WatchService");

    /** Single methods that block, as owner.name. */
    private static final Set<String> BLOCKING_METHODS = Set.of("java/lang/Thread.sleep", "java/lang/Thread.join",
            "java/lang/Object.wait", "java/util/concurrent/locks/LockSupport.park",
            "java/util/concurrent/locks/LockSupport.parkNanos", "java/util/concurrent/TimeUnit.sleep",
            "java/util/concurrent/CountDownLatch.await", "java/util/concurrent/Semaphore.acquire",
            "java/util/concurrent/locks/Condition.await", "java/util/concurrent/locks/Condition.awaitNanos",
            "java/util/concurrent/BlockingQueue.put", "java/util/concurrent/BlockingQueue.take",
            "java/util/concurrent/LinkedBlockingQueue.put", "java/util/concurrent/LinkedBlockingQueue.take",
            "java/util/concurrent/ArrayBlockingQueue.put", "java/util/concurrent/ArrayBlockingQueue.take",
            "java/util/concurrent/Future.get", "java/util/concurrent/CompletableFuture.get",
            "java/util/concurrent/CompletableFuture.join", "java/util/concurrent/ExecutorService.awaitTermination");

    private record Call(String owner, String name, String desc, boolean exact) {
        String key() {
            return owner + "." + name + desc;
        }
    }

    /** What one method does: the calls it makes, and the calls inside monitor regions. */
    private static final class MethodInfo {
        final String id;
        final boolean synchronizedMethod;
        final List<Call> calls = new ArrayList<>();
        final List<Call> callsInMonitor = new ArrayList<>();

        MethodInfo(String id, boolean synchronizedMethod) {
            this.id = id;
            this.synchronizedMethod = synchronizedMethod;
        }
    }

    private final Map<String, MethodInfo> methods = new LinkedHashMap<>();
    /** For each blocking method, the callee (or primitive) that makes it blocking: the chain in a failure. */
    private final Map<String, String> because = new HashMap<>();
    private final Map<String, Set<String>> supertypes = new HashMap<>();

    @Test
    void noMonitorIsHeldAcrossABlockingCall() throws IOException {
        assertThat(CLASSES.resolve("io/callscribe")).as("compiled main classes").isDirectory();
        try (Stream<Path> files = Files.walk(CLASSES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                read(f);
            }
        }
        assertThat(methods).hasSizeGreaterThan(500);
        Set<String> blocking = blockingMethods();
        assertThat(blocking).as("the analysis finds known blocking code")
                .contains("io/callscribe/source/RecordingTailer.read([BII)I");

        Set<String> violations = new TreeSet<>();
        for (MethodInfo m : methods.values()) {
            if (m.synchronizedMethod && blocking.contains(m.id)) {
                violations.add("synchronized method " + m.id + " blocks: " + chain(m.id));
            }
            for (Call c : m.callsInMonitor) {
                if (isPrimitiveBlocking(c)) {
                    violations.add(m.id + " calls " + c.key() + " inside synchronized");
                }
                targets(c).stream().filter(blocking::contains).findFirst().ifPresent(t ->
                        violations.add(m.id + " calls " + t + " inside synchronized: " + chain(t)));
            }
        }
        assertThat(violations).as("monitors held across blocking calls (use java.util.concurrent locks)").isEmpty();
    }

    private void read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                String owner;

                @Override
                public void visit(int version, int access, String name, String signature, String superName,
                                  String[] interfaces) {
                    owner = name;
                    Set<String> sup = new HashSet<>();
                    if (superName != null) {
                        sup.add(superName);
                    }
                    sup.addAll(List.of(interfaces == null ? new String[0] : interfaces));
                    supertypes.put(name, sup);
                }

                @Override
                public MethodVisitor visitMethod(int access, String name, String desc, String signature,
                                                 String[] exceptions) {
                    MethodInfo info = new MethodInfo(owner + "." + name + desc, (access & Opcodes.ACC_SYNCHRONIZED) != 0);
                    methods.put(info.id, info);
                    return new MethodVisitor(Opcodes.ASM9) {
                        int depth;

                        @Override
                        public void visitInsn(int opcode) {
                            if (opcode == Opcodes.MONITORENTER) {
                                depth++;
                            } else if (opcode == Opcodes.MONITOREXIT && depth > 0) {
                                depth--; // the exception path's exit comes after the region in javac's layout
                            }
                        }

                        @Override
                        public void visitMethodInsn(int opcode, String o, String n, String d, boolean itf) {
                            // Constructors, private and super calls run exactly the named method.
                            Call c = new Call(o, n, d, opcode == Opcodes.INVOKESPECIAL || opcode == Opcodes.INVOKESTATIC);
                            info.calls.add(c);
                            if (depth > 0) {
                                info.callsInMonitor.add(c);
                            }
                        }
                    };
                }
            }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        }
    }

    private String chain(String id) {
        List<String> steps = new ArrayList<>();
        String at = id;
        while (at != null && steps.size() < 12) {
            at = because.get(at);
            if (at != null) {
                steps.add(at);
            }
        }
        return String.join(" -> ", steps);
    }

    private static boolean isPrimitiveBlocking(Call c) {
        return BLOCKING_METHODS.contains(c.owner() + "." + c.name())
                || BLOCKING_OWNERS.stream().anyMatch(o -> c.owner().equals(o) && !c.name().equals("<init>")
                && !c.name().startsWith("get") && !c.name().startsWith("is"));
    }

    /**
     * The main methods a call may run: the named one and every override in a main subtype. Calls on JDK and
     * library types (a {@code Runnable} callback) are judged by the primitives alone: following them into every
     * main implementation would make everything blocking.
     */
    private List<String> targets(Call c) {
        List<String> out = new ArrayList<>();
        if (!c.owner().startsWith("io/callscribe/")) {
            return out;
        }
        if (c.exact()) {
            String id = c.owner() + "." + c.name() + c.desc();
            return methods.containsKey(id) ? List.of(id) : out;
        }
        for (String type : supertypes.keySet()) {
            if (isSubtype(type, c.owner())) {
                String id = type + "." + c.name() + c.desc();
                if (methods.containsKey(id)) {
                    out.add(id);
                }
            }
        }
        return out;
    }

    private boolean isSubtype(String type, String ancestor) {
        Deque<String> todo = new ArrayDeque<>(List.of(type));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (t.equals(ancestor)) {
                return true;
            }
            if (seen.add(t)) {
                todo.addAll(supertypes.getOrDefault(t, Set.of()));
            }
        }
        return false;
    }

    /** Methods that reach a blocking primitive, to a fixed point over the main call graph. */
    private Set<String> blockingMethods() {
        Set<String> blocking = new HashSet<>();
        Map<String, List<String>> callees = new HashMap<>();
        for (MethodInfo m : methods.values()) {
            List<String> targets = new ArrayList<>();
            for (Call c : m.calls) {
                if (isPrimitiveBlocking(c) && blocking.add(m.id)) {
                    because.put(m.id, c.key());
                }
                targets.addAll(targets(c));
            }
            callees.put(m.id, targets);
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Map.Entry<String, List<String>> e : callees.entrySet()) {
                if (!blocking.contains(e.getKey())) {
                    e.getValue().stream().filter(blocking::contains).findFirst().ifPresent(callee -> {
                        blocking.add(e.getKey());
                        because.put(e.getKey(), callee);
                    });
                    changed |= blocking.contains(e.getKey());
                }
            }
        }
        return blocking;
    }
}
