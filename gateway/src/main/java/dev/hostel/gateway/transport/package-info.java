/** Which Netty transport (epoll or NIO) this process uses, for TCP and Unix sockets alike. May import Netty only. */
package dev.hostel.gateway.transport;
