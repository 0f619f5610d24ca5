package dev.qkdbench.drivers.firmware;

import com.google.protobuf.ByteString;
import dev.qkdbench.drivers.ChoiceSource;
import dev.qkdbench.drivers.DeviceException;
import dev.qkdbench.protocol.SlotChoice;
import dev.qkdbench.protocol.SlotListCodec;
import dev.qkdbench.protocol.v1.Capability;
import dev.qkdbench.protocol.v1.Choices;
import dev.qkdbench.protocol.v1.Device;
import dev.qkdbench.protocol.v1.Envelope;
import java.time.Duration;
import java.util.Objects;

/**
 * Alice's choice memory on the transmitter board: {@code ReadChoices} with the slots packed by
 * {@link SlotListCodec}, in chunks of at most {@link #DEFAULT_SLOTS_PER_REQUEST} ascending slots
 * so that a request (at most 10 bytes per slot) and its answer (1 byte per slot) stay well below
 * the frame maximum of 1 MiB. Slots need not ascend: a descent starts a new chunk.
 */
final class FirmwareChoiceSource extends FirmwareDevice implements ChoiceSource {
    static final int DEFAULT_SLOTS_PER_REQUEST = 1 << 16;

    private final int slotsPerRequest;
    private final SlotListCodec slotCodec = new SlotListCodec();
    private byte[] codes = new byte[0];

    FirmwareChoiceSource(String name, FirmwareLinkPool.Lease lease, Duration timeout, int slotsPerRequest) {
        super(name, lease, timeout, Capability.CAPABILITY_CHOICE_READBACK, "choice_source", Device.DEVICE_BOARD, 0);
        if (slotsPerRequest < 1 || slotsPerRequest > DEFAULT_SLOTS_PER_REQUEST) {
            throw new IllegalArgumentException("slotsPerRequest must be 1 to " + DEFAULT_SLOTS_PER_REQUEST + ", found "
                    + slotsPerRequest);
        }
        this.slotsPerRequest = slotsPerRequest;
    }

    /**
     * {@inheritDoc} The outputs before the failing slot are filled when an exception is thrown.
     *
     * @throws IllegalArgumentException naming the slot, for a negative slot or one the board
     *     reports no longer (or not yet) held
     * @throws DeviceException          when the board answers a different count or an invalid code
     */
    @Override
    public synchronized void readChoices(long[] slots, int count, byte[] basis, byte[] bit, byte[] intensity) {
        Objects.requireNonNull(slots, "slots");
        Objects.requireNonNull(basis, "basis");
        Objects.requireNonNull(bit, "bit");
        Objects.requireNonNull(intensity, "intensity");
        if (count < 0 || count > slots.length || count > basis.length || count > bit.length || count > intensity.length) {
            throw new IllegalArgumentException("count " + count + " does not fit the arrays (slots " + slots.length
                    + ", basis " + basis.length + ", bit " + bit.length + ", intensity " + intensity.length + ")");
        }
        for (int i = 0; i < count; i++) {
            if (slots[i] < 0) {
                throw new IllegalArgumentException(label() + ": slot " + slots[i] + " (index " + i
                        + ") is negative; slots count from 0");
            }
        }
        int start = 0;
        while (start < count) {
            int end = start + 1;
            while (end < count && end - start < slotsPerRequest && slots[end] >= slots[end - 1]) {
                end++;
            }
            readChunk(slots, start, end - start, basis, bit, intensity);
            start = end;
        }
    }

    private void readChunk(long[] slots, int offset, int n, byte[] basis, byte[] bit, byte[] intensity) {
        Choices answer = request(Envelope.newBuilder().setReadChoices(slotCodec.pack(slots, offset, n)),
                Envelope.BodyCase.CHOICES).getChoices();
        ByteString bytes = answer.getChoices();
        if (answer.getCount() != n || bytes.size() != n) {
            throw new DeviceException(label(), "the board answered " + Integer.toUnsignedString(answer.getCount())
                    + " choices in " + bytes.size() + " bytes to a ReadChoices of " + n + " slots");
        }
        if (codes.length < n) {
            codes = new byte[Math.max(n, Math.min(2 * codes.length, slotsPerRequest))];
        }
        bytes.copyTo(codes, 0);
        for (int j = 0; j < n; j++) {
            byte code = codes[j];
            int i = offset + j;
            if (code == SlotChoice.NOT_HELD) {
                throw new IllegalArgumentException(label() + ": slot " + slots[i]
                        + " is not held by the transmitter (overwritten or not emitted yet)");
            }
            if (!SlotChoice.isValid(code)) {
                throw new DeviceException(label(), "the board answered the invalid choice code 0x"
                        + Integer.toHexString(code & 0xFF) + " for slot " + slots[i]);
            }
            basis[i] = (byte) SlotChoice.basis(code);
            bit[i] = (byte) SlotChoice.bit(code);
            intensity[i] = (byte) SlotChoice.intensityClass(code);
        }
    }

    /** The choice memory has no state to restore; a status read checks the link. */
    @Override
    void restore() {
    }
}
