/**
 * The wire protocol between qkd-bench and its own transmitter and receiver board firmware
 * (DESIGN.md section 6), in pure Java on byte arrays: no sockets, no threads.
 *
 * <ul>
 * <li>Messages: the protobuf schema {@code qkdbench/firmware/v1/firmware.proto}, generated into
 *     {@code dev.qkdbench.protocol.v1}; every frame carries one {@code Envelope}.
 *     {@link dev.qkdbench.protocol.ProtocolVersion} is the version agreed by the Hello
 *     exchange.</li>
 * <li>Framing: {@link dev.qkdbench.protocol.FrameFormat} (the byte layout),
 *     {@link dev.qkdbench.protocol.FrameEncoder}, {@link dev.qkdbench.protocol.FrameDecoder}
 *     (incremental, resynchronizing, errors counted by {@link dev.qkdbench.protocol.FrameError}),
 *     and {@link dev.qkdbench.protocol.EnvelopeCodec}, which puts protobuf on top.</li>
 * <li>Packing of hot data: {@link dev.qkdbench.protocol.TimeTagPacker} and
 *     {@link dev.qkdbench.protocol.TimeTagUnpacker} for time-tag batches,
 *     {@link dev.qkdbench.protocol.SlotListCodec} for the slots whose choices Alice's controller
 *     fetches, {@link dev.qkdbench.protocol.SlotChoice} for the one-byte choice codes.</li>
 * </ul>
 *
 * <p>A driver owns one {@code EnvelopeCodec} per connection: it feeds whatever the transport
 * read, dispatches decoded envelopes by {@code request_id} and body case, and exports the error
 * counters as metrics.
 */
package dev.qkdbench.protocol;
