package dev.qkdbench.controller.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.controller.peer.v1.ParityRequest;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedQueries;
import dev.qkdbench.controller.postprocessing.reconciliation.ParityQueries;
import org.junit.jupiter.api.Test;

class ParityWireTest {
    private static final ParityQueries QUERIES = new ParityQueries(3, new int[] {0, 5, 13},
            new int[] {0, 127, 1 << 20}, new int[] {64, 128, (1 << 20) + 300});

    @Test
    void aFramedRoundCrossesTheWireUnchanged() {
        FramedQueries sent = new FramedQueries(QUERIES, new int[] {0, 7, 30});
        FramedQueries got = ParityWire.decodeFramed(ParityWire.encode(sent));
        assertEquals(3, got.count());
        assertArrayEquals(new int[] {0, 7, 30}, got.frame());
        assertArrayEquals(QUERIES.pass(), got.queries().pass());
        assertArrayEquals(QUERIES.start(), got.queries().start());
        assertArrayEquals(QUERIES.end(), got.queries().end());
    }

    @Test
    void aRoundWithoutFrameNumbersIsAllFrameZero() {
        FramedQueries got = ParityWire.decodeFramed(ParityWire.encode(QUERIES));
        assertArrayEquals(new int[3], got.frame());
    }

    @Test
    void frameNumbersThatDoNotMatchTheRangesAreRefused() {
        ParityRequest r = ParityWire.encode(new FramedQueries(QUERIES, new int[] {0, 1, 2})).toBuilder()
                .addFrame(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ParityWire.decodeFramed(r));
        assertTrue(e.getMessage().contains("3 ranges but 4 frame numbers"), e.getMessage());
    }
}
