// Package rawfd reaches a connection's file descriptor: the server's WebSocket reader and
// direct writer (netio/engineio) and the Go client's frame reader (netio/client) read and
// write it themselves, and end a connection by shutting the socket down, not closing it,
// while a read of it may be running.
//
// Place in the data flow: beneath both ends of a WebSocket, between net.Conn and the
// socket. Without unix descriptors (or for a TLS connection, a pipe) it finds none, and its
// callers read and write through net.Conn.
package rawfd
