package dev.qkdbench.drivers.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qkdbench.drivers.transport.SerialSettings.FlowControl;
import dev.qkdbench.drivers.transport.SerialSettings.Parity;
import dev.qkdbench.drivers.transport.SerialSettings.StopBits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransportsTest {
    @Test
    void parsesATcpAddress() {
        assertEquals(new TcpAddress("192.0.2.10", 5025), Transports.parse("tcp://192.0.2.10:5025"));
        assertEquals(new TcpAddress("scope.lab", 80), Transports.parse("TCP://scope.lab:80/"));
        assertEquals(new TcpAddress("::1", 5025), Transports.parse("tcp://[::1]:5025"));
        assertEquals("tcp://[::1]:5025", Transports.parse("tcp://[::1]:5025").address());
    }

    @Test
    void aSerialAddressWithoutSettingsGetsTheDefaults() {
        SerialAddress parsed = (SerialAddress) Transports.parse("serial:/dev/ttyUSB0");
        assertEquals("/dev/ttyUSB0", parsed.path());
        assertEquals(new SerialSettings(115_200, 8, Parity.NONE, StopBits.ONE, FlowControl.NONE), parsed.settings());
        assertEquals("serial:/dev/ttyUSB0", parsed.address());
    }

    @Test
    void parsesEverySerialSetting() {
        SerialAddress parsed = (SerialAddress) Transports.parse(
                "serial:/dev/serial/by-id/usb-FTDI_FT232R-if00-port0?baud=9600&data=7&parity=even&stop=2&flow=rtscts");
        assertEquals("/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", parsed.path());
        assertEquals(new SerialSettings(9600, 7, Parity.EVEN, StopBits.TWO, FlowControl.RTS_CTS), parsed.settings());
        assertEquals(parsed, Transports.parse(parsed.address()), "the canonical form parses back");
    }

    @Test
    void serialValuesAreCaseInsensitiveAndAcceptOneAndAHalfStopBits() {
        SerialSettings s = ((SerialAddress) Transports.parse("serial:/dev/pts/3?parity=ODD&stop=1.5&flow=XonXoff"))
                .settings();
        assertEquals(Parity.ODD, s.parity());
        assertEquals(StopBits.ONE_POINT_FIVE, s.stopBits());
        assertEquals(FlowControl.XON_XOFF, s.flow());
        assertEquals(115_200, s.baud());
    }

    @Test
    void openMakesAnUnopenedTransportOfTheRightKind() {
        try (Transport tcp = Transports.open("tcp://127.0.0.1:5025");
                Transport serial = Transports.open("serial:/dev/ttyUSB0?baud=9600")) {
            assertInstanceOf(TcpTransport.class, tcp);
            assertInstanceOf(SerialTransport.class, serial);
            assertFalse(tcp.isOpen());
            assertFalse(serial.isOpen());
            assertEquals("serial:/dev/ttyUSB0?baud=9600", serial.address());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", value = {
        "tcp://host => tcp://host: missing port; expected tcp://host:port with port 1..65535",
        "tcp://host: => tcp://host:: missing port; expected tcp://host:port with port 1..65535",
        "tcp://:5025 => tcp://:5025: missing host; expected tcp://host:port with port 1..65535",
        "tcp://host:0 => tcp://host:0: port 0 is out of range; expected tcp://host:port with port 1..65535",
        "tcp://host:65536 => tcp://host:65536: port 65536 is out of range; expected tcp://host:port with port 1..65535",
        "tcp://host:scpi => tcp://host:scpi: port 'scpi' is not a number; expected tcp://host:port with port 1..65535",
        "tcp://host:5025/x => tcp://host:5025/x: unexpected path '/x'; expected tcp://host:port with port 1..65535",
        "tcp://::1:5025 => tcp://::1:5025: IPv6 host without brackets; expected tcp://[v6-literal]:port",
        "serial:/dev/ttyUSB0?baud=fast => serial:/dev/ttyUSB0?baud=fast: baud 'fast' is not a number; expected baud=1..10000000 (e.g. 9600, 115200)",
        "serial:/dev/ttyUSB0?baud=0 => serial:/dev/ttyUSB0?baud=0: baud 0 is out of range; expected baud=1..10000000 (e.g. 9600, 115200)",
        "serial:/dev/ttyUSB0?data=9 => serial:/dev/ttyUSB0?data=9: data 9 is out of range; expected data=5..8",
        "serial:/dev/ttyUSB0?parity=mark => serial:/dev/ttyUSB0?parity=mark: parity 'mark'; expected parity=none|even|odd",
        "serial:/dev/ttyUSB0?stop=3 => serial:/dev/ttyUSB0?stop=3: stop '3'; expected stop=1|1.5|2",
        "serial:/dev/ttyUSB0?flow=dtr => serial:/dev/ttyUSB0?flow=dtr: flow 'dtr'; expected flow=none|rtscts|xonxoff",
        "serial:/dev/ttyUSB0?speed=9600 => serial:/dev/ttyUSB0?speed=9600: unknown setting 'speed'; expected one of baud, data, parity, stop, flow",
        "serial:/dev/ttyUSB0?baud=1&baud=2 => serial:/dev/ttyUSB0?baud=1&baud=2: setting 'baud' given twice; expected each setting at most once",
    })
    void aBadAddressNamesTheAddressTheWrongPartAndWhatWasExpected(String address, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Transports.parse(address)).getMessage());
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Transports.open(address)).getMessage());
    }

    @Test
    void aMissingSerialPathOrSchemeIsNamed() {
        assertEquals("serial:?baud=9600: missing device path; expected serial:<path>?baud=..&data=5..8"
                        + "&parity=none|even|odd&stop=1|1.5|2&flow=none|rtscts|xonxoff",
                assertThrows(IllegalArgumentException.class, () -> Transports.parse("serial:?baud=9600")).getMessage());
        String unknown = assertThrows(IllegalArgumentException.class, () -> Transports.parse("usb:3")).getMessage();
        assertTrue(unknown.startsWith("usb:3: unknown scheme; expected tcp://host:port"), unknown);
        assertEquals("serial:/dev/x?baud: setting 'baud' is not key=value; expected serial:<path>?baud=..&data=5..8"
                        + "&parity=none|even|odd&stop=1|1.5|2&flow=none|rtscts|xonxoff",
                assertThrows(IllegalArgumentException.class, () -> Transports.parse("serial:/dev/x?baud")).getMessage());
    }

    @Test
    void settingsRejectValuesOutOfRange() {
        assertEquals("baud must be 1..10000000, was 0", assertThrows(IllegalArgumentException.class,
                () -> SerialSettings.DEFAULT.withBaud(0)).getMessage());
        assertEquals("port must be 1..65535, was 0", assertThrows(IllegalArgumentException.class,
                () -> new TcpAddress("h", 0)).getMessage());
    }
}
