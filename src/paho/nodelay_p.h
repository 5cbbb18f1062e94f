// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_NODELAY_P_H
#define QPAHO_NODELAY_P_H

//
//  W A R N I N G
//  -------------
//
// This file is not part of the QPaho API. It exists purely as an
// implementation detail. This header file may change from version to
// version without notice, or even be removed.
//
// We mean it.
//

#include <QtCore/QList>
#include <QtCore/QStringView>
#include <QtCore/qglobal.h>
#include <QtNetwork/QHostAddress>

#include <optional>
#include <vector>

// paho.mqtt.c never sets TCP_NODELAY and gives no access to its socket, so with the default
// Nagle algorithm (plus the peer's delayed ACK) every QoS 1/2 exchange can stall for tens of
// milliseconds. This finds the TCP socket paho opened for one client from the outside, without
// paho internals, struct layouts or symbol interposition:
//
//   1. on the owner thread, right before MQTTAsync_connect(): SocketSnapshot::take() (or
//      NoDelayTracker::prepare()) records the inodes of every socket open in the process;
//   2. after CONNACK: applyNoDelayToNewSockets() (or NoDelayTracker::apply()) looks at the
//      process' sockets again and sets TCP_NODELAY on the TCP sockets that are new since the
//      snapshot, are connected to the broker's port (and address, when known) and are not
//      claimed by another client; it claims them for this client until SocketClaim releases them.
//
// tcp://, mqtt://, ssl://, mqtts://, ws:// and wss:// all run over one TCP socket whose peer is
// the broker (TLS and WebSocket framing sit on top of the same fd), so one mechanism covers all of
// them. With an HTTP(S) proxy the peer is the proxy: pass the proxy's port, or 0 for any port.
//
// Implemented on Linux (and Android) through /proc/self/fd; elsewhere everything is a no-op that
// reports 0 sockets, and paho keeps its default socket options.
//
// Versions and switch (paho/pahoversion_p.h, docs/paho-workarounds.md): Workaround::NoTcpNoDelay.
// paho sets no TCP_NODELAY in 1.3.11 (Debian 12's 1.3.12, measured) nor in upstream's 1.3.13
// source (Socket_new sets only SO_NOSIGPIPE/SO_SNDBUF); no fixed release is known, so it is on
// for every version until a fix is recorded. NoDelayTracker::prepare() is the one gate: off, it
// takes no snapshot and apply() changes nothing. Should a paho set TCP_NODELAY itself while the
// gate is still on, apply() finds the option already set and changes nothing either. The tests:
// tst_nodelay (endToEndWithPaho: paho's socket has no TCP_NODELAY before, has it after),
// tst_pahoversion for the gate.

namespace QPaho::Internal {

// The sockets open in the process at one instant, as a sorted list of socket inodes (the N in
// the "socket:[N]" link of /proc/self/fd/<fd>). Cheap: one directory read plus one fstat() per
// fd, no string parsing, no allocation per fd.
class SocketSnapshot
{
public:
    // An empty, invalid snapshot: applyNoDelayToNewSockets() does nothing with it.
    SocketSnapshot() = default;

    // Records the sockets open now. Thread-safe. Invalid when /proc/self/fd is unavailable.
    static SocketSnapshot take();

    bool isValid() const { return m_valid; }
    bool contains(quint64 inode) const;
    const std::vector<quint64> &inodes() const { return m_inodes; }

private:
    std::vector<quint64> m_inodes; // sorted, unique
    bool m_valid = false;
};

// The sockets one client has claimed, with the process-global registry of claimed inodes behind
// it. Move-only; the destructor (or release()) removes this client's inodes from the registry.
class SocketClaim
{
public:
    SocketClaim() noexcept = default;
    SocketClaim(SocketClaim &&other) noexcept;
    SocketClaim &operator=(SocketClaim &&other) noexcept;
    SocketClaim(const SocketClaim &) = delete;
    SocketClaim &operator=(const SocketClaim &) = delete;
    ~SocketClaim();

    bool isEmpty() const { return m_inodes.empty(); }
    // Normally one inode; more only in the ambiguous case described at
    // applyNoDelayToNewSockets().
    const std::vector<quint64> &inodes() const { return m_inodes; }
    void release();

private:
    friend int applyNoDelayToNewSockets(const SocketSnapshot &before, quint16 peerPort,
        const QList<QHostAddress> &peerAddresses, SocketClaim &claim);
    std::vector<quint64> m_inodes;
};

// Sets TCP_NODELAY=1 on every TCP (AF_INET/AF_INET6, SOCK_STREAM, IPPROTO_TCP) socket of the
// process that
//   - is not in `before` (so it was opened after the snapshot),
//   - is connected to `peerPort` (0 = any port) and, if `peerAddresses` is not empty, to one of
//     those addresses (IPv4-mapped IPv6 addresses compare equal to their IPv4 form),
//   - is not claimed by any SocketClaim yet,
// and adds those sockets to `claim`. Returns how many sockets had TCP_NODELAY off and now have it
// on; a matching socket that already had it is claimed but not counted. Returns 0 when `before`
// is invalid. Call it on the thread that took the snapshot, after CONNACK.
//
// Remaining ambiguity: a socket that another thread (a second client, or any other code) opened
// to the same peer between the snapshot and the scan, and that nobody has claimed yet, cannot be
// told apart from paho's; it gets TCP_NODELAY and is claimed too. That is harmless: it is a
// connection to the same broker, and NODELAY is what every client of this broker wants. The other
// client then finds its socket already claimed and changes nothing, and its socket still has
// TCP_NODELAY. An fd that is closed and reused during the scan is never mistaken: each candidate
// is dup()ed and re-identified through the duplicate before it is touched.
int applyNoDelayToNewSockets(const SocketSnapshot &before, quint16 peerPort,
    const QList<QHostAddress> &peerAddresses, SocketClaim &claim);

// Releases one inode from the registry (SocketClaim does this for its own inodes).
void releaseClaim(quint64 inode);
bool isClaimed(quint64 inode);

// The inode of the socket `fd` refers to, or 0 when `fd` is not a socket.
quint64 socketInode(int fd);
// Whether TCP_NODELAY is on for the TCP socket `fd` (false on any error).
bool hasNoDelay(int fd);

// The TCP port paho connects to for a server URI: the explicit port, or paho's default for the
// scheme (tcp/mqtt 1883, ssl/mqtts 8883, ws 80, wss 443; no scheme means tcp). std::nullopt for
// a scheme paho cannot open over TCP or a malformed port.
std::optional<quint16> peerPortFromServerUri(QStringView serverUri);

// The per-client glue: owns the snapshot and the claim, and does nothing when disabled.
//   prepare()  owner thread, right before MQTTAsync_connect() (also before a manual reconnect);
//   apply()    owner thread, after CONNACK (the connect onSuccess callback, queued back);
//   reset()    on disconnect, connection lost and destruction.
class NoDelayTracker
{
public:
    explicit NoDelayTracker(bool enabled = true) : m_enabled(enabled) { }

    bool isEnabled() const { return m_enabled; }
    // Disabling also resets: claimed sockets are released (their TCP_NODELAY stays as it is).
    void setEnabled(bool enabled);

    // Releases the previous connection's claim and, when enabled, snapshots the sockets.
    void prepare();
    // When enabled and prepared: applyNoDelayToNewSockets() with the snapshot from prepare(),
    // which it consumes. Returns the number of sockets changed; 0 when disabled.
    int apply(quint16 peerPort, const QList<QHostAddress> &peerAddresses = {});
    void reset();

    const SocketClaim &claim() const { return m_claim; }

private:
    SocketSnapshot m_before;
    SocketClaim m_claim;
    bool m_enabled = true;
};

} // namespace QPaho::Internal

#endif // QPAHO_NODELAY_P_H
