package edu.cmu.sphinx.linguist.lextree;

import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * callscribe's addition to Sphinx4: puts the lex tree's successor lists in an order fixed by what the nodes are (their
 * unit, context, pronunciation), not by where they landed in a {@code HashMap}. Sphinx4 builds each node's successors
 * in a map keyed by objects without {@code hashCode} of their own (HMMs, pronunciations), so their order follows the
 * JVM's identity hashes, which differ from one model load to the next; the search expands successors in that order and
 * the beam breaks ties between equal scores by it. Left so, the same audio gave different words on the second load of
 * the models in one process (measured: three different transcripts of one clip in six loads).
 */
final class SuccessorOrder {

    private SuccessorOrder() {
    }

    /** Orders every successor list reachable from the tree's initial node and its word-entry points. */
    static int orderAll(HMMTree tree) throws ReflectiveOperationException {
        Deque<Node> pending = new ArrayDeque<>();
        pending.push(tree.getInitialNode());
        for (HMMTree.EntryPoint entry : entryPoints(tree)) {
            pending.push(entry.baseNode);
            for (Node node : entry.unitToEntryPointMap.values()) {
                pending.push(node);
            }
        }
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!pending.isEmpty()) {
            Node node = pending.pop();
            if (node instanceof WordNode || !seen.add(node)) {
                continue; // a word node ends its branch: it has no successor list
            }
            Node[] successors = node.getSuccessors();
            order(successors);
            for (Node next : successors) {
                pending.push(next);
            }
        }
        return seen.size();
    }

    /** Orders {@code nodes} in place by what each node is (its description: unit and context, or pronunciation). */
    static void order(Node[] nodes) {
        if (nodes.length < 2) {
            return;
        }
        String[] keys = new String[nodes.length];
        Integer[] index = new Integer[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            keys[i] = nodes[i].getClass().getSimpleName() + ' ' + nodes[i];
            index[i] = i;
        }
        Arrays.sort(index, (a, b) -> keys[a].compareTo(keys[b]));
        Node[] sorted = new Node[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            sorted[i] = nodes[index[i]];
        }
        System.arraycopy(sorted, 0, nodes, 0, nodes.length);
    }

    @SuppressWarnings("unchecked")
    private static Collection<HMMTree.EntryPoint> entryPoints(HMMTree tree) throws ReflectiveOperationException {
        Field tableField = HMMTree.class.getDeclaredField("entryPointTable");
        tableField.setAccessible(true);
        Object table = tableField.get(tree);
        Field mapField = table.getClass().getDeclaredField("entryPoints");
        mapField.setAccessible(true);
        return ((Map<?, HMMTree.EntryPoint>) mapField.get(table)).values();
    }
}
