/**
 * The site runner: the child process that hosts one site's WSGI application.
 *
 * <p>It boots Jython once ({@link dev.hostel.runner.JythonApp}), imports the site's
 * {@code module:callable}, and serves HTTP/1.1 on a Unix domain socket
 * ({@link dev.hostel.runner.RunnerServer}) to the gateway, its only client. Netty's event loop only
 * moves bytes; every WSGI call runs on a fixed pool of worker threads, and bodies stream in both
 * directions with back-pressure. {@link dev.hostel.runner.RunnerMain} holds the life cycle and the
 * command line contract with the gateway. This package imports Netty and Jython, never the gateway.
 */
package dev.hostel.runner;
