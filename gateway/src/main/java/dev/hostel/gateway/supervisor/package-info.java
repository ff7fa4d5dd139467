/**
 * Starting, watching, restarting and stopping the runner processes of each site (the role of NGINX Unit's
 * main process and uWSGI's Emperor). Owns the runner life cycle {@code STARTING -> READY -> DRAINING -> STOPPED}
 * and {@code FAILED}; knows nothing of HTTP. May import {@code config} and {@code releases}' {@code Precompiler} (a site's root is compiled ahead as a release
 * is); must not import Netty.
 */
package dev.hostel.gateway.supervisor;
