package dev.qkdbench.protocol;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Keeps a copy of every payload and every error notice a {@link FrameDecoder} hands out. */
final class RecordingFrameListener implements FrameListener {

    record ErrorNotice(FrameError error, long streamOffset) {
    }

    final List<byte[]> payloads = new ArrayList<>();
    final List<ErrorNotice> errors = new ArrayList<>();

    @Override
    public void onFrame(byte[] buffer, int offset, int length) {
        payloads.add(Arrays.copyOfRange(buffer, offset, offset + length));
    }

    @Override
    public void onFrameError(FrameError error, long streamOffset) {
        errors.add(new ErrorNotice(error, streamOffset));
    }
}
