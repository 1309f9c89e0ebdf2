package io.callscribe.source.websocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static io.callscribe.source.websocket.MediaControlCodec.encode;
import static io.callscribe.source.websocket.MediaControlCodec.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every event in both of chan_websocket's formats (as its source prints them), every command, every rejection. */
class MediaControlCodecTest {

    @Test
    void mediaStartPlainAndJson() throws Exception {
        MediaEvent plain = parse("MEDIA_START connection_id:9a1b channel:WebSocket/callscribe/0x7f3a0c001234 "
                + "channel_id:1733100000.42 format:slin16 optimal_frame_size:640 ptime:20");
        assertThat(plain).isEqualTo(new MediaEvent.MediaStart("9a1b", "WebSocket/callscribe/0x7f3a0c001234",
                "1733100000.42", "slin16", 640, 20, Map.of()));
        MediaEvent json = parse("{\"event\":\"MEDIA_START\",\"connection_id\":\"9a1b\",\"channel\":\"WebSocket/c/0x1\","
                + "\"channel_id\":\"1.2\",\"format\":\"ulaw\",\"optimal_frame_size\":160,\"ptime\":20,"
                + "\"channel_variables\":{\"CALLERID\":\"100\",\"MEDIA_WEBSOCKET_CONNECTION_ID\":\"9a1b\"}}");
        assertThat(json).isEqualTo(new MediaEvent.MediaStart("9a1b", "WebSocket/c/0x1", "1.2", "ulaw", 160, 20,
                Map.of("CALLERID", "100", "MEDIA_WEBSOCKET_CONNECTION_ID", "9a1b")));
        assertThat(MediaControlCodec.formatOf(" {\"event\":1}")).isEqualTo(ControlFormat.JSON);
        assertThat(MediaControlCodec.formatOf("MEDIA_XON")).isEqualTo(ControlFormat.PLAIN);
        // passthrough codecs have no frame size: 0 is allowed; later Asterisk fields are ignored
        assertThat(((MediaEvent.MediaStart) parse("MEDIA_START connection_id:a channel:b channel_id:c format:opus "
                + "optimal_frame_size:0 ptime:20 extra:1")).optimalFrameSize()).isZero();
    }

    @Test
    void flowControlAndAcknowledgementEvents() throws Exception {
        assertThat(parse("MEDIA_XOFF")).isEqualTo(new MediaEvent.MediaXoff(null));
        assertThat(parse("MEDIA_XON")).isEqualTo(new MediaEvent.MediaXon(null));
        assertThat(parse("QUEUE_DRAINED")).isEqualTo(new MediaEvent.QueueDrained(null));
        assertThat(parse("{\"event\":\"MEDIA_XOFF\",\"channel_id\":\"1.2\"}")).isEqualTo(new MediaEvent.MediaXoff("1.2"));
        assertThat(parse("{\"event\":\"MEDIA_XON\",\"channel_id\":\"1.2\"}")).isEqualTo(new MediaEvent.MediaXon("1.2"));
        assertThat(parse("{\"event\":\"QUEUE_DRAINED\",\"channel_id\":\"1.2\"}")).isEqualTo(new MediaEvent.QueueDrained("1.2"));
        assertThat(parse("MEDIA_BUFFERING_COMPLETED")).isEqualTo(new MediaEvent.MediaBufferingCompleted(null, null));
        assertThat(parse("MEDIA_BUFFERING_COMPLETED prompt 7")).isEqualTo(new MediaEvent.MediaBufferingCompleted(null, "prompt 7"));
        assertThat(parse("{\"event\":\"MEDIA_BUFFERING_COMPLETED\",\"channel_id\":\"1.2\",\"correlation_id\":\"\"}"))
                .isEqualTo(new MediaEvent.MediaBufferingCompleted("1.2", null));
        assertThat(parse("MEDIA_MARK_PROCESSED m1")).isEqualTo(new MediaEvent.MediaMarkProcessed(null, "m1"));
        assertThat(parse("{\"event\":\"MEDIA_MARK_PROCESSED\",\"channel_id\":\"1.2\",\"correlation_id\":\"m1\"}"))
                .isEqualTo(new MediaEvent.MediaMarkProcessed("1.2", "m1"));
    }

    @Test
    void dtmfStatusAndError() throws Exception {
        assertThat(parse("DTMF_END digit:5 channel_id:1.2")).isEqualTo(new MediaEvent.DtmfEnd("1.2", '5'));
        assertThat(parse("{\"event\":\"DTMF_END\",\"channel_id\":\"1.2\",\"digit\":\"#\"}")).isEqualTo(new MediaEvent.DtmfEnd("1.2", '#'));
        assertThat(parse("DTMF_END digit:a channel_id:1.2")).isEqualTo(new MediaEvent.DtmfEnd("1.2", 'A'));
        assertThat(parse("STATUS channel_id:1.2 queue_length:3 xon_level:800 xoff_level:900 queue_full:false "
                + "bulk_media:true media_paused:false")).isEqualTo(new MediaEvent.Status("1.2", 3, 800, 900, false, true, false));
        assertThat(parse("{\"event\":\"STATUS\",\"channel_id\":\"1.2\",\"queue_length\":0,\"xon_level\":800,"
                + "\"xoff_level\":900,\"queue_full\":true,\"bulk_media\":false,\"media_paused\":true}"))
                .isEqualTo(new MediaEvent.Status("1.2", 0, 800, 900, true, false, true));
        assertThat(parse("ERROR channel_id:1.2 error_text:SET_MEDIA_DIRECTION only supports JSON format.\n"))
                .isEqualTo(new MediaEvent.Error("1.2", "SET_MEDIA_DIRECTION only supports JSON format."));
        assertThat(parse("{\"event\":\"ERROR\",\"channel_id\":\"1.2\",\"error_text\":\"Unable to parse JSON command\"}"))
                .isEqualTo(new MediaEvent.Error("1.2", "Unable to parse JSON command"));
    }

    @Test
    void unknownEventsAreKeptNotRejected() throws Exception {
        assertThat(parse("MEDIA_PAUSED channel_id:1.2 by:app")).isEqualTo(new MediaEvent.Unknown("MEDIA_PAUSED", "MEDIA_PAUSED channel_id:1.2 by:app"));
        assertThat(parse("{\"event\":\"HANGUP\",\"channel_id\":\"1.2\"}")).isInstanceOf(MediaEvent.Unknown.class)
                .extracting(MediaEvent::name).isEqualTo("HANGUP");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "' '|empty control message",
            "media_start x:1|does not start with an event name",
            "MEDIA_START connection_id:a channel:b channel_id:c format:slin16 optimal_frame_size:640|MEDIA_START without ptime",
            "MEDIA_START connection_id: channel:b channel_id:c format:slin16 optimal_frame_size:640 ptime:20|MEDIA_START without connection_id",
            "MEDIA_START connection_id:a channel:b channel_id:c format:slin16 optimal_frame_size:big ptime:20|MEDIA_START field optimal_frame_size is 'big', not a whole number",
            "MEDIA_START connection_id:a channel:b channel_id:c format:slin16 optimal_frame_size:-2 ptime:20|MEDIA_START field optimal_frame_size is -2, must not be negative",
            "MEDIA_START connection_id:a channel:b channel_id:c format:slin16 optimal_frame_size:640 ptime:0|MEDIA_START field ptime is 0, must be positive",
            "MEDIA_START connection_id:a connection_id:b channel:b channel_id:c format:slin16 optimal_frame_size:640 ptime:20|MEDIA_START repeats field connection_id",
            "MEDIA_START connection_id:a channel|MEDIA_START field 'channel' is not key:value",
            "DTMF_END digit:55 channel_id:1|DTMF_END field digit is '55', not a DTMF digit",
            "DTMF_END channel_id:1|DTMF_END without digit",
            "STATUS channel_id:1 queue_length:3 xon_level:800 xoff_level:900 queue_full:maybe bulk_media:true media_paused:false|STATUS field queue_full is 'maybe', expected true or false",
            "ERROR channel_id:1|ERROR event without error_text",
            "{\"event\":\"MEDIA_START\"|control message is not valid JSON",
            "[1,2]|does not start with an event name",
            "{\"event\":7}|JSON control message without a string \"event\"",
            "{\"channel_id\":\"1\"}|JSON control message without a string \"event\"",
            "{\"event\":\"MEDIA_XON\",\"event\":\"MEDIA_XOFF\"}|control message is not valid JSON (Duplicate field 'event')",
            "{\"event\":\"MEDIA_START\",\"connection_id\":\"a\",\"channel\":\"b\",\"channel_id\":\"c\",\"format\":\"slin16\",\"optimal_frame_size\":640}|MEDIA_START without ptime",
            "{\"event\":\"MEDIA_START\",\"connection_id\":{},\"channel\":\"b\",\"channel_id\":\"c\",\"format\":\"slin16\",\"optimal_frame_size\":640,\"ptime\":20}|MEDIA_START field connection_id is object {}, expected a string, whole number or boolean",
            "{\"event\":\"MEDIA_START\",\"connection_id\":\"a\",\"channel\":\"b\",\"channel_id\":\"c\",\"format\":\"slin16\",\"optimal_frame_size\":6.5,\"ptime\":20}|MEDIA_START field optimal_frame_size is number 6.5, expected a string, whole number or boolean",
            "{\"event\":\"MEDIA_START\",\"connection_id\":\"a\",\"channel\":\"b\",\"channel_id\":\"c\",\"format\":\"slin16\",\"optimal_frame_size\":640,\"ptime\":20,\"channel_variables\":[]}|MEDIA_START field channel_variables is [], expected an object of channel variables",
            "{\"event\":\"MEDIA_START\",\"connection_id\":\"a\",\"channel\":\"b\",\"channel_id\":\"c\",\"format\":\"slin16\",\"optimal_frame_size\":640,\"ptime\":20,\"channel_variables\":{\"X\":[1]}}|MEDIA_START channel variable X is [1], expected a string",
            "{\"event\":\"ERROR\",\"channel_id\":\"1\"}|ERROR without error_text",
    })
    void rejectionsNameTheFault(String text, String fault) {
        assertThatThrownBy(() -> parse(text)).isInstanceOf(MediaProtocolException.class).hasMessageContaining(fault);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MEDIA_START connection_id:a channel:b channel_id:c format:slin16 optimal_frame_size:640 ptime:20|MEDIA_START",
            "MEDIA_XOFF|MEDIA_XOFF",
            "MEDIA_XON|MEDIA_XON",
            "QUEUE_DRAINED|QUEUE_DRAINED",
            "MEDIA_BUFFERING_COMPLETED p1|MEDIA_BUFFERING_COMPLETED",
            "MEDIA_MARK_PROCESSED m1|MEDIA_MARK_PROCESSED",
            "DTMF_END digit:5|DTMF_END",
            "STATUS queue_length:0 xon_level:800 xoff_level:900 queue_full:false bulk_media:false media_paused:false|STATUS",
            "ERROR error_text:no|ERROR",
            "MEDIA_LATER x:1|MEDIA_LATER",
    })
    void everyEventIsNamedAsItWasSent(String text, String name) throws Exception {
        assertThat(parse(text).name()).isEqualTo(name);
    }

    @Test
    void tooLongMessageIsRejectedWithItsLength() {
        String huge = "MEDIA_XON " + "x:1 ".repeat(20_000);
        assertThatThrownBy(() -> parse(huge)).isInstanceOf(MediaProtocolException.class)
                .hasMessageContaining("control message of " + huge.length() + " characters");
    }

    @Test
    void commandsInBothFormats() {
        for (MediaCommand.Plain c : MediaCommand.Plain.values()) {
            assertThat(encode(c, ControlFormat.PLAIN)).isEqualTo(c.name());
            assertThat(encode(c, ControlFormat.JSON)).isEqualTo("{\"command\":\"" + c.name() + "\"}");
        }
        assertThat(encode(MediaCommand.Plain.GET_STATUS, ControlFormat.PLAIN)).isEqualTo("GET_STATUS");
        assertThat(encode(new MediaCommand.StopMediaBuffering("p1"), ControlFormat.PLAIN)).isEqualTo("STOP_MEDIA_BUFFERING p1");
        assertThat(encode(new MediaCommand.StopMediaBuffering(null), ControlFormat.PLAIN)).isEqualTo("STOP_MEDIA_BUFFERING");
        assertThat(encode(new MediaCommand.StopMediaBuffering("p1"), ControlFormat.JSON))
                .isEqualTo("{\"command\":\"STOP_MEDIA_BUFFERING\",\"correlation_id\":\"p1\"}");
        assertThat(encode(new MediaCommand.MarkMedia("m 2"), ControlFormat.PLAIN)).isEqualTo("MARK_MEDIA m 2");
        assertThat(encode(new MediaCommand.MarkMedia(null), ControlFormat.JSON)).isEqualTo("{\"command\":\"MARK_MEDIA\"}");
        assertThat(encode(new MediaCommand.SetMediaDirection(MediaDirection.IN), ControlFormat.JSON))
                .isEqualTo("{\"command\":\"SET_MEDIA_DIRECTION\",\"direction\":\"in\"}");
    }

    @Test
    void commandsAsteriskCouldNotTakeAreRefused() {
        assertThatThrownBy(() -> encode(new MediaCommand.SetMediaDirection(MediaDirection.OUT), ControlFormat.PLAIN))
                .hasMessageContaining("SET_MEDIA_DIRECTION exists only in the JSON control format");
        assertThatThrownBy(() -> encode(new MediaCommand.MarkMedia("x".repeat(120)), ControlFormat.PLAIN))
                .hasMessageContaining("MARK_MEDIA command is 131 bytes, more than the 128");
        assertThatThrownBy(() -> encode(new MediaCommand.MarkMedia("a\nb"), ControlFormat.JSON))
                .hasMessageContaining("correlation id must be one line");
    }
}
