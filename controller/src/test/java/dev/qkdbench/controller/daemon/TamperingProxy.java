package dev.qkdbench.controller.daemon;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A loopback TCP proxy to one port, reading the peer link's frames (a 4-byte length, then the
 * message): it can close every connection at once, or, as a man in the middle, flip a bit in,
 * drop, reorder or replay the next frame going one way.
 */
final class TamperingProxy implements AutoCloseable {
    /** What the man in the middle does to the next frame of a direction. */
    enum Tamper { FLIP, DROP, REORDER, REPLAY }

    private final ServerSocket server;
    private final int target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    /** The next tampering of frames towards Alice [0] and towards Bob [1], or null. */
    private final AtomicReferenceArray<Tamper> armed = new AtomicReferenceArray<>(2);
    private final AtomicInteger done = new AtomicInteger();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "proxy-timer");
        t.setDaemon(true);
        return t;
    });

    TamperingProxy(int target) throws IOException {
        this.target = target;
        this.server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Tampers with the next frame of at least 16 bytes towards Alice (or Bob). */
    void arm(Tamper t, boolean towardsAlice) {
        armed.set(towardsAlice ? 0 : 1, t);
    }

    /** How many tamperings were carried out. */
    int tampered() {
        return done.get();
    }

    private void accept() {
        try {
            while (true) {
                Socket in = server.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), target);
                open.add(in);
                open.add(out);
                pump(in, out, 0);
                pump(out, in, 1);
            }
        } catch (IOException e) {
            // closed
        }
    }

    private void pump(Socket from, Socket to, int direction) {
        Thread t = new Thread(() -> {
            try (DataInputStream i = new DataInputStream(new BufferedInputStream(
                    from.getInputStream())); OutputStream o = to.getOutputStream()) {
                AtomicReference<byte[]> held = new AtomicReference<>();
                while (true) {
                    byte[] frame = new byte[i.readInt()];
                    i.readFully(frame);
                    Tamper t0 = frame.length >= 16 ? armed.getAndSet(direction, null) : null;
                    synchronized (o) {
                        byte[] before = held.getAndSet(null);
                        if (t0 == Tamper.REORDER) {
                            // Held until the next frame overtakes it (a heartbeat comes within
                            // 1.5 s at the latest); if none came within 2 s, it goes on unchanged
                            // and the attack waits for another frame.
                            if (before != null) {
                                send(o, before);
                            }
                            held.set(frame);
                            timer.schedule(() -> release(o, held, frame, direction), 2000,
                                    TimeUnit.MILLISECONDS);
                            continue;
                        }
                        if (t0 != null) {
                            done.incrementAndGet();
                        }
                        if (t0 == Tamper.DROP) {
                            continue;
                        }
                        if (t0 == Tamper.FLIP) {
                            frame[frame.length / 2] ^= 0x10;
                        }
                        send(o, frame);
                        if (t0 == Tamper.REPLAY) {
                            send(o, frame);
                        }
                        if (before != null) {
                            done.incrementAndGet();
                            send(o, before);
                        }
                    }
                }
            } catch (IOException e) {
                // the connection was dropped
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private void release(OutputStream o, AtomicReference<byte[]> held, byte[] frame,
                         int direction) {
        synchronized (o) {
            if (held.compareAndSet(frame, null)) {
                try {
                    send(o, frame);
                } catch (IOException e) {
                    return;
                }
                armed.compareAndSet(direction, null, Tamper.REORDER);
            }
        }
    }

    private static void send(OutputStream o, byte[] frame) throws IOException {
        byte[] out = new byte[4 + frame.length];
        ByteBuffer.wrap(out).putInt(frame.length).put(frame);
        o.write(out);
        o.flush();
    }

    void dropAll() {
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        dropAll();
        timer.shutdownNow();
    }
}
