/**
 * Timing synchronization of Bob's tagger to Alice's slot clock (DESIGN §5).
 *
 * <p>{@link dev.qkdbench.controller.sync.ClockSync} is the conductor the controller drives: it
 * acquires the period, slot phase and frame phase from the photon tags (with a sync input when
 * there is one), numbers the slot of every detection, tracks the drift and supervises the lock.
 * Its parts: {@link dev.qkdbench.controller.sync.PeriodSearch} (periodogram),
 * {@link dev.qkdbench.controller.sync.FrameCorrelator} over {@link dev.qkdbench.controller.sync.Fft}
 * (marker cross-correlation), {@link dev.qkdbench.controller.sync.TimingServo} (tracking) and
 * {@link dev.qkdbench.controller.sync.MarkerMonitor} (supervision).
 * {@link dev.qkdbench.controller.sync.SlotAssigner} numbers slots from a known offset and period.
 */
package dev.qkdbench.controller.sync;
