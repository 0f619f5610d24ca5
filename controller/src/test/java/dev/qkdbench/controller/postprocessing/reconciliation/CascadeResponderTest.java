package dev.qkdbench.controller.postprocessing.reconciliation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CascadeResponderTest {

    @Test
    void answersTheParityOfEachRangeOfEachPassesPermutedKeyPacked() {
        SplittableRandom rnd = new SplittableRandom(51);
        int n = 3000;
        BitArray key = new BitArray(n);
        for (int i = 0; i < n; i++) {
            key.set(i, rnd.nextBoolean());
        }
        CascadeResponder alice = new CascadeResponder(key, 5, 777);
        CascadePermutations perms = new CascadePermutations(777, n, 5);
        int count = 150; // more than two answer words
        int[] pass = new int[count];
        int[] start = new int[count];
        int[] end = new int[count];
        for (int i = 0; i < count; i++) {
            pass[i] = rnd.nextInt(5);
            start[i] = rnd.nextInt(n);
            end[i] = start[i] + 1 + rnd.nextInt(n - start[i]);
        }
        long[] answer = alice.answer(new ParityQueries(count, pass, start, end));
        assertEquals(3, answer.length);
        for (int i = 0; i < count; i++) {
            int[] perm = perms.permutation(pass[i]);
            int expected = 0;
            for (int j = start[i]; j < end[i]; j++) {
                expected ^= key.get(perm[j]) ? 1 : 0;
            }
            assertEquals(expected, (int) (answer[i >>> 6] >>> i) & 1, "query " + i);
        }
        assertEquals(count, alice.answeredParities());
    }

    @Test
    void rejectsAMalformedBatchNamingTheQueryAndDisclosingNothing() {
        CascadeResponder alice = new CascadeResponder(new BitArray(100), 3, 1);
        assertRejected(alice, "parity query 2: pass 3 outside [0, 3)",
                new ParityQueries(3, new int[] {0, 1, 3}, new int[] {0, 0, 0}, new int[] {1, 1, 1}));
        assertRejected(alice, "parity query 1: range [5, 5)",
                new ParityQueries(2, new int[] {0, 0}, new int[] {0, 5}, new int[] {1, 5}));
        assertRejected(alice, "parity query 0: range [90, 101)",
                new ParityQueries(1, new int[] {0}, new int[] {90}, new int[] {101}));
        assertRejected(alice, "parity query 0: range [-1, 3)",
                new ParityQueries(1, new int[] {2}, new int[] {-1}, new int[] {3}));
        assertRejected(alice, "parity query 0: pass -1",
                new ParityQueries(1, new int[] {-1}, new int[] {0}, new int[] {3}));
        assertEquals(0, alice.answeredParities());
        assertEquals(0, alice.answer(new ParityQueries(0, new int[0], new int[0], new int[0])).length);
    }

    @Test
    void queriesNeedArraysHoldingEveryQuery() {
        assertThrows(IllegalArgumentException.class,
                () -> new ParityQueries(2, new int[2], new int[1], new int[2]));
        assertThrows(IllegalArgumentException.class, () -> new ParityQueries(-1, new int[0], new int[0], new int[0]));
    }

    private static void assertRejected(CascadeResponder alice, String message, ParityQueries q) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> alice.answer(q));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
