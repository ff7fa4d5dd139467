package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostel.runner.UdsClient.Response;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Test apps wrapped in {@code wsgiref.validate.validator}: any assertion (or, since the test app
 * turns them into errors, any {@code WSGIWarning}) would give 500 instead of the expected answer.
 */
class WsgiValidatorTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "GET  | /validate/hello       |                        | hello",
            "POST | /validate/echo        | posted body\\nline two  | posted body\\nline two",
            "POST | /validate/echo-stream | streamed back          | streamed back",
            "GET  | /validate/write       |                        | hello world!",
            "GET  | /validate/stream?n=2  |                        | chunk-0\\nchunk-1\\n",
            "GET  | /validate/length      |                        | helloworld",
            "HEAD | /validate/hello       |                        | ''",
    })
    void validatedAppsRaiseNothing(String method, String target, String body, String expected) throws Exception {
        try (UdsClient client = UdsClient.connect(SharedRunner.socket())) {
            byte[] bytes = body == null ? null : body.replace("\\n", "\n").getBytes(StandardCharsets.US_ASCII);
            Response response = client.request(method, target, bytes);
            assertEquals(200, response.status(), response.text());
            assertEquals(expected.equals("''") ? "" : expected.replace("\\n", "\n"), response.text());
            assertTrue(response.complete());
        }
    }

    @ParameterizedTest
    @CsvSource({"/validate/environ", "/validate/file"})
    void validatedEnvironAndFileWrapperRaiseNothing(String target) throws Exception {
        try (UdsClient client = UdsClient.connect(SharedRunner.socket())) {
            Response response = client.get(target + "?q=1", "X-Forwarded-Proto: https");
            assertEquals(200, response.status(), response.text());
            assertTrue(response.body().length > 100);
        }
    }
}
