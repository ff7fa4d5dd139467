package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RunnerOptionsTest {
    private static final String BASE = "--site blog --socket /run/blog.sock --app blog.wsgi:application --root /srv/blog";

    @Test
    void parsesTheGatewaysCommandLine() {
        RunnerOptions options = RunnerOptions.parse(("--site blog --socket /run/blog.sock --app blog.wsgi:app"
                + " --root /srv/blog --python-path /srv/lib --python-path /srv/vendor --threads 4").split(" "));
        assertEquals("blog", options.site());
        assertEquals(Path.of("/run/blog.sock"), options.socket());
        assertEquals("blog.wsgi", options.module());
        assertEquals("app", options.callable());
        assertEquals(Path.of("/srv/blog"), options.root());
        assertEquals(List.of(Path.of("/srv/lib"), Path.of("/srv/vendor")), options.pythonPath());
        assertEquals(4, options.threads());
        assertEquals("blog.wsgi:app", options.app());
    }

    @Test
    void defaultsAndEqualsSyntax() {
        RunnerOptions options = RunnerOptions.parse("--site=blog", "--socket=/run/b.sock", "--app=blog.wsgi",
                "--root=/srv/blog");
        assertEquals("application", options.callable());
        assertEquals(RunnerOptions.DEFAULT_THREADS, options.threads());
        assertEquals(List.of(), options.pythonPath());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--site blog --socket /run/blog.sock --app blog.wsgi:application | --root: required",
            BASE + " --threads 0                   | --threads: must be between 1 and 1024, got 0",
            BASE + " --threads many                | --threads: not a number: 'many'",
            BASE + " --frobnicate                  | unknown argument: --frobnicate",
            BASE + " --site other                  | --site: given twice ('blog' and 'other')",
            BASE + " --python-path lib             | --python-path: must be an absolute path, got 'lib'",
            BASE + " --threads                     | --threads: missing value",
            "--site b --socket run.sock --app m:a --root /r  | --socket: must be an absolute path, got 'run.sock'",
            "--site b --socket /s --app m.:a --root /r       | --app: expected module.sub:callable, got 'm.:a'",
            "--site b --socket /s --app blog-app:x --root /r | --app: expected module.sub:callable, got 'blog-app:x'",
            "--site b --socket /s --app m: --root /r         | --app: expected module.sub:callable, got 'm:'",
    })
    void rejectsBadArgumentsNamingTheOption(String args, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunnerOptions.parse(args.trim().split(" +")));
        assertEquals(message, e.getMessage());
    }

    @Test
    void rejectsASocketPathTooLongForSunPath() {
        String socket = "/tmp/" + "x".repeat(120) + ".sock";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunnerOptions.parse(
                "--site", "b", "--socket", socket, "--app", "m:a", "--root", "/r"));
        assertTrue(e.getMessage().startsWith("--socket: path longer than 107 bytes"), e.getMessage());
    }
}
