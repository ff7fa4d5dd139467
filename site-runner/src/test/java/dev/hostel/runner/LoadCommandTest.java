package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code LOAD} line of a spare runner, and the little JSON reader behind it. */
class LoadCommandTest {
    @Test
    void readsEveryFieldIntoTheOptionsOfANormalRunner() {
        LoadCommand load = LoadCommand.parse("LOAD {\"site\": \"blog\", \"socket\": \"/run/blog.0.1.sock\","
                + " \"app\": \"blog.wsgi:app\", \"root\": \"/srv/blog\", \"python_path\": [\"/srv/lib\", \"/srv/x\"],"
                + " \"threads\": 4, \"env\": {\"A\": \"1\", \"QUOTE\": \"say \\\"hi\\\"\\n\\u00e9\"}}");
        RunnerOptions options = load.options();
        assertEquals("blog", options.site());
        assertEquals(Path.of("/run/blog.0.1.sock"), options.socket());
        assertEquals("blog.wsgi:app", options.app());
        assertEquals(Path.of("/srv/blog"), options.root());
        assertEquals(List.of(Path.of("/srv/lib"), Path.of("/srv/x")), options.pythonPath());
        assertEquals(4, options.threads());
        assertEquals(Map.of("A", "1", "QUOTE", "say \"hi\"\n\u00e9"), load.env());
    }

    @Test
    void optionalFieldsTakeTheRunnersDefaults() {
        LoadCommand load = LoadCommand.parse("LOAD {\"site\":\"s\",\"socket\":\"/s.sock\",\"app\":\"m\","
                + "\"root\":\"/r\"}");
        assertEquals(RunnerOptions.DEFAULT_THREADS, load.options().threads());
        assertEquals("m:application", load.options().app());
        assertEquals(Map.of(), load.env());
    }

    @Test
    void refusesWhatIsNotALoadLine() {
        for (String bad : List.of("", "HELLO", "LOAD [1]", "LOAD {\"site\": 1}", "LOAD {\"site\": \"s\"",
                "LOAD {\"site\":\"s\",\"socket\":\"/s\",\"app\":\"m\",\"root\":\"/r\",\"threads\":\"8\"}",
                "LOAD {\"site\":\"s\",\"socket\":\"/s\",\"app\":\"m\",\"root\":\"/r\",\"env\":{\"A\":1}}",
                "LOAD {} trailing")) {
            assertThrows(IllegalArgumentException.class, () -> LoadCommand.parse(bad), bad);
        }
    }

    @Test
    void optionsAreValidatedAsOnACommandLine() {
        LoadCommand load = LoadCommand.parse("LOAD {\"site\":\"s\",\"socket\":\"relative.sock\",\"app\":\"m\","
                + "\"root\":\"/r\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, load::options);
        assertTrue(e.getMessage().contains("--socket"), e.getMessage());
    }

    @Test
    void tinyJsonReadsTheUsualShapes() {
        assertEquals(Map.of("a", List.of(1L, 2.5, true, false), "b", Map.of()),
                TinyJson.parse(" {\"a\": [1, 2.5, true, false], \"b\": {}} "));
        assertEquals(null, TinyJson.parse("null"));
        assertEquals("\t/\\", TinyJson.parse("\"\\t\\/\\\\\""));
        assertThrows(IllegalArgumentException.class, () -> TinyJson.parse("[1,]"));
        assertThrows(IllegalArgumentException.class, () -> TinyJson.parse("\"raw\ncontrol\""));
    }
}
