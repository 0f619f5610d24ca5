package dev.qkdbench.controller.postprocessing.reconciliation;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.qkdbench.controller.postprocessing.BitArray;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Pins the Cascade exchange bit for bit: a SHA-256 over every round's queries (pass, start, end),
 * Alice's packed answers, and at the end the rounds, disclosed parities, corrected bits and Bob's
 * corrected key, for fixed keys, errors and permutation seeds. The expected digests were computed
 * with the code as it was before its speed-ups (known-node forest, byte-wise bit swaps); an
 * optimisation must not change a single query, answer or correction. Change a digest only with a
 * deliberate change of the protocol or of the schedule, and say so in the commit.
 */
class CascadeTranscriptTest {

    private static String transcript(int n, double qber, CascadeSchedule schedule, int passes, long seed,
                                     int frames) throws NoSuchAlgorithmException {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        SplittableRandom rnd = new SplittableRandom(seed);
        ByteBuffer buf = ByteBuffer.allocate(16);
        for (int f = 0; f < frames; f++) {
            long[] w = new long[BitArray.wordsFor(n)];
            for (int i = 0; i < w.length; i++) {
                w[i] = rnd.nextLong();
            }
            if ((n & 63) != 0) {
                w[w.length - 1] &= (1L << (n & 63)) - 1;
            }
            BitArray alice = BitArray.wrap(w, n);
            BitArray bob = alice.copy();
            for (int i = 0; i < n; i++) {
                if (rnd.nextDouble() < qber) {
                    bob.flip(i);
                }
            }
            long permutationSeed = rnd.nextLong();
            CascadeCorrector c = new CascadeCorrector(bob, schedule, qber, passes, permutationSeed);
            CascadeResponder a = new CascadeResponder(alice, passes, permutationSeed);
            while (!c.done()) {
                ParityQueries q = c.nextQueries();
                long[] answer = a.answer(q);
                putInt(sha, buf, q.count());
                for (int i = 0; i < q.count(); i++) {
                    putInt(sha, buf, q.pass()[i]);
                    putInt(sha, buf, q.start()[i]);
                    putInt(sha, buf, q.end()[i]);
                }
                for (int i = 0; i < ParityQueries.answerWords(q.count()); i++) {
                    putLong(sha, buf, answer[i]);
                }
                c.onParities(answer);
            }
            putInt(sha, buf, c.rounds());
            putLong(sha, buf, c.disclosedBits());
            putInt(sha, buf, c.correctedBits());
            for (long word : bob.words()) {
                putLong(sha, buf, word);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void putInt(MessageDigest sha, ByteBuffer buf, int v) {
        buf.clear();
        buf.putInt(v);
        sha.update(buf.array(), 0, 4);
    }

    private static void putLong(MessageDigest sha, ByteBuffer buf, long v) {
        buf.clear();
        buf.putLong(v);
        sha.update(buf.array(), 0, 8);
    }

    @Test
    void theExchangeAtOnePercentIsPinned() throws Exception {
        assertEquals("b644f35426c729ce4a001a0b8338892f9aeea0236f6b6405978b6dffe21d5257",
                transcript(100_000, 0.01, CascadeSchedule.MARTINEZ_MATEO_OPT7, 14, 11L, 3));
    }

    @Test
    void theExchangeAtThreePercentIsPinned() throws Exception {
        assertEquals("6e85281ccd1c90903b48b165f2886ee822fe855caa64d8d0601269fb62cbb36e",
                transcript(100_000, 0.03, CascadeSchedule.MARTINEZ_MATEO_OPT7, 14, 12L, 3));
    }

    @Test
    void theExchangeAtFivePercentIsPinned() throws Exception {
        assertEquals("a890af52b276139c6a0e68c2a4f2df0e9500197cba60e1eafa2c2413b2f87b6a",
                transcript(100_000, 0.05, CascadeSchedule.MARTINEZ_MATEO_OPT7, 14, 13L, 3));
    }

    @Test
    void theExchangeOfOddLengthsAndOtherSchedulesIsPinned() throws Exception {
        assertEquals("70128a91a109caa737e47f9d6e452560c1feb84683523b3425929f5828ff9715",
                transcript(12_345, 0.04, CascadeSchedule.YAN_ET_AL, 10, 14L, 4));
        assertEquals("2c11a5c3037f0ff149c33f6effa5199d210f1550bee4a6bbda28f42f078516f9",
                transcript(777, 0.08, CascadeSchedule.BRASSARD_SALVAIL, 4, 15L, 8));
        assertEquals("b7cb661712475261d83936f7730027534bdd634e90db856739667c109fd25d7a",
                transcript(50_001, 0.02, CascadeSchedule.MARTINEZ_MATEO_OPT7, 6, 16L, 3));
    }
}
