package dev.qkdbench.controller.link;

import dev.qkdbench.controller.peer.v1.ParityRequest;
import dev.qkdbench.controller.peer.v1.ParityResponse;
import dev.qkdbench.controller.postprocessing.reconciliation.FramedQueries;
import dev.qkdbench.controller.postprocessing.reconciliation.ParityQueries;
import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;

/** Cascade parity queries and answers on the peer link: ranges as varints, parities bit-packed. */
final class ParityWire {
    private ParityWire() {
    }

    static ParityRequest encode(ParityQueries q) {
        ParityRequest.Builder b = ParityRequest.newBuilder().setCount(q.count());
        ByteArrayOutputStream ranges = new ByteArrayOutputStream(q.count() * 4);
        for (int i = 0; i < q.count(); i++) {
            b.addPass(q.pass()[i]);
            writeVarint(ranges, q.start()[i]);
            writeVarint(ranges, q.end()[i] - q.start()[i]);
        }
        return b.setRanges(ByteString.copyFrom(ranges.toByteArray())).build();
    }

    /** A framed round: the ranges as {@link #encode(ParityQueries)} writes them, and each query's frame. */
    static ParityRequest encode(FramedQueries q) {
        ParityRequest.Builder b = encode(q.queries()).toBuilder();
        for (int i = 0; i < q.count(); i++) {
            b.addFrame(q.frame()[i]);
        }
        return b.build();
    }

    /**
     * A framed round; a request without frame numbers is all frame 0.
     *
     * @throws IllegalArgumentException when the request is malformed
     */
    static FramedQueries decodeFramed(ParityRequest r) {
        ParityQueries q = decode(r);
        int[] frame = new int[q.count()];
        if (r.getFrameCount() != 0) {
            if (r.getFrameCount() != q.count()) {
                throw new IllegalArgumentException("parity request has " + q.count() + " ranges but "
                        + r.getFrameCount() + " frame numbers");
            }
            for (int i = 0; i < frame.length; i++) {
                frame[i] = r.getFrame(i);
            }
        }
        return new FramedQueries(q, frame);
    }

    /** @throws IllegalArgumentException when the request is malformed */
    static ParityQueries decode(ParityRequest r) {
        int n = r.getCount();
        if (n < 0 || r.getPassCount() != n) {
            throw new IllegalArgumentException("parity request announces " + n + " ranges but has "
                    + r.getPassCount() + " pass numbers");
        }
        int[] pass = new int[n];
        int[] start = new int[n];
        int[] end = new int[n];
        byte[] in = r.getRanges().toByteArray();
        int[] pos = {0};
        for (int i = 0; i < n; i++) {
            pass[i] = r.getPass(i);
            long s = readVarint(in, pos, i);
            long len = readVarint(in, pos, i);
            if (s + len > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("parity range " + i + " ends beyond 2^31");
            }
            start[i] = (int) s;
            end[i] = (int) (s + len);
        }
        if (pos[0] != in.length) {
            throw new IllegalArgumentException("parity request has " + (in.length - pos[0]) + " trailing bytes");
        }
        return new ParityQueries(n, pass, start, end);
    }

    static ParityResponse answer(long[] parities, int count) {
        ParityResponse.Builder b = ParityResponse.newBuilder().setCount(count);
        for (long w : parities) {
            b.addParity(w);
        }
        return b.build();
    }

    static long[] parities(ParityResponse r, int expected) {
        if (r.getCount() != expected || r.getParityCount() < (expected + 63) / 64) {
            throw new IllegalArgumentException("parity response holds " + r.getCount() + " parities, "
                    + expected + " were asked");
        }
        long[] out = new long[r.getParityCount()];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.getParity(i);
        }
        return out;
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarint(byte[] in, int[] pos, int index) {
        long v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos[0] >= in.length) {
                throw new IllegalArgumentException("parity range " + index + " truncated");
            }
            int b = in[pos[0]++] & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("parity range " + index + " has an overlong varint");
    }
}
