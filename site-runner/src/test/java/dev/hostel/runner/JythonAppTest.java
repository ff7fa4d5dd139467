package dev.hostel.runner;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Load failures tell the operator what to fix. */
class JythonAppTest {

    private static String failure(String module, String callable, Path root) {
        return assertThrows(AppLoadException.class,
                () -> JythonApp.load("tests", module, callable, root, List.of())).getMessage();
    }

    private static void assertContains(String text, String... parts) {
        for (String part : parts) {
            assertTrue(text.contains(part), "expected '" + part + "' in:\n" + text);
        }
    }

    @Test
    void importErrorShowsModuleTracebackSysPathAndHint() {
        String message = failure("broken_app", "application", SharedRunner.appsRoot());
        assertContains(message, "'broken_app:application'", "importing module 'broken_app' failed",
                "Traceback (most recent call last)", "ImportError: No module named hostel_no_such_module_anywhere",
                "sys.path = ['" + SharedRunner.appsRoot(), "check `app` and `root` in the site file");
    }

    @Test
    void missingModule() {
        assertContains(failure("no_such_site_module", "application", SharedRunner.appsRoot()),
                "ImportError: No module named no_such_site_module", "sys.path = ");
    }

    @Test
    void missingAttribute() {
        assertContains(failure("hostel_test_app", "app", SharedRunner.appsRoot()),
                "hostel_test_app", "has no attribute 'app'", "check `app` and `root`");
    }

    @Test
    void notCallable() {
        assertContains(failure("not_callable_app", "application", SharedRunner.appsRoot()),
                "'application' is a int, not a callable");
    }

    @Test
    void rootThatIsNotADirectory() {
        assertContains(failure("x", "application", Path.of("/nonexistent/site")),
                "root /nonexistent/site is not a directory", "check `app` and `root`");
    }
}
