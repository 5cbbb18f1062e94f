// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// libFuzzer target for the MQTT 5 property conversion (src/values/properties.cpp):
// validateProperties(), toPaho() and fromPaho(). Built by tests/fuzz/CMakeLists.txt (Clang) or
// tests/fuzz/run_fuzz.sh:
//   clang++ -std=c++17 -fsanitize=fuzzer,address,undefined -I include -I src \
//       -DQPAHO_BUILDING_LIBRARY tests/fuzz/fuzz_properties.cpp src/values/properties.cpp \
//       moc_properties.cpp $(pkg-config --cflags --libs Qt6Core) -lpaho-mqtt3as -fPIC
// (moc_properties.cpp: moc include/QPaho/properties.h, for the Q_GADGET/Q_ENUM).
//
// The input is a program: a sequence of (operation, property id, value) triples applied to a
// QPaho::Properties. Ids are mostly the 27 MQTT 5 ids, sometimes any byte (unknown ids).
// The first byte picks the value mode:
//   - typed:    values have the type Properties documents (integers quint32 and other numeric
//               QVariants, strings QString, binary QByteArray, user properties {name, value}),
//               with edge values (0, 255/256, 65535/65536, 268435455/6, 2^32-1, negative),
//               unpaired surrogates, U+0000 and 64 KiB boundaries;
//   - any type: every value is a QVariant of an arbitrary type (a user may pass anything to
//               setValue()).
// For every packet kind a client sends, validateProperties() is called. When it accepts the set
// for at least one kind, the set must be something a client may put on the wire and survive
// the trip through paho unchanged:
//   1. every id is allowed in that packet (MQTT 5.0 table 2-4, written out again below);
//   2. toPaho() makes one paho property per value, and fromPaho(toPaho(p)) == p;
//   3. the same after MQTTProperties_copy() (paho's own deep copy);
//   4. the MQTT 5 rules a receiver enforces: no property but User Property appears twice
//      [MQTT-3.1.2-*, 3.3.2-*, 3.8.2.1.2: "It is a Protocol Error to include ... more than
//      once"], strings are well-formed UTF-8 without U+0000 [MQTT-1.5.4-1, -2], and
//      Receive Maximum, Maximum Packet Size and Topic Alias are not 0, Payload Format
//      Indicator, Request Problem/Response Information are 0 or 1; every string, user property
//      name/value and binary value fits its 16-bit length prefix (65535 bytes).
// Sanitizers check the rest (toPaho/fromPaho/validateProperties on any input).
#include "paho/pahoproperties_p.h"
#include "values/properties_p.h"

#include <QPaho/properties.h>

extern "C" {
#include <MQTTAsync.h>
}

#include <QtCore/QByteArray>
#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <QtCore/QStringView>
#include <QtCore/QVariant>

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

using QPaho::Properties;
using QPaho::Internal::PacketKind;
using Id = QPaho::Properties::Id;

namespace {

QByteArray describe(const Properties &p);

#define FUZZ_CHECK(cond, what)                                                                     \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            std::fprintf(stderr, "fuzz_properties: check failed at line %d: %s\n  (%s)\n",         \
                __LINE__, #cond, QByteArray(what).constData());                                    \
            std::fprintf(stderr, "  input:      %s\n", describe(props).constData());               \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)

const Id kIds[] = { Id::PayloadFormatIndicator, Id::MessageExpiryInterval, Id::ContentType,
    Id::ResponseTopic, Id::CorrelationData, Id::SubscriptionIdentifier, Id::SessionExpiryInterval,
    Id::AssignedClientIdentifier, Id::ServerKeepAlive, Id::AuthenticationMethod,
    Id::AuthenticationData, Id::RequestProblemInformation, Id::WillDelayInterval,
    Id::RequestResponseInformation, Id::ResponseInformation, Id::ServerReference, Id::ReasonString,
    Id::ReceiveMaximum, Id::TopicAliasMaximum, Id::TopicAlias, Id::MaximumQoS, Id::RetainAvailable,
    Id::UserProperty, Id::MaximumPacketSize, Id::WildcardSubscriptionAvailable,
    Id::SubscriptionIdentifiersAvailable, Id::SharedSubscriptionAvailable };

const PacketKind kKinds[] = { PacketKind::Connect, PacketKind::Will, PacketKind::Publish,
    PacketKind::Subscribe, PacketKind::Unsubscribe, PacketKind::Disconnect };

const char *kindName(PacketKind kind)
{
    switch (kind) {
    case PacketKind::Connect:
        return "CONNECT";
    case PacketKind::Will:
        return "Will";
    case PacketKind::Publish:
        return "PUBLISH";
    case PacketKind::Subscribe:
        return "SUBSCRIBE";
    case PacketKind::Unsubscribe:
        return "UNSUBSCRIBE";
    case PacketKind::Disconnect:
        return "DISCONNECT";
    }
    return "?";
}

// MQTT 5.0 table 2-4, restricted to the packets a client sends (a client's PUBLISH must not
// carry a Subscription Identifier [MQTT-3.3.4-6]; the CONNACK-only properties are never sent).
bool specAllows(Id id, PacketKind kind)
{
    switch (id) {
    case Id::UserProperty:
        return true;
    case Id::PayloadFormatIndicator:
    case Id::MessageExpiryInterval:
    case Id::ContentType:
    case Id::ResponseTopic:
    case Id::CorrelationData:
        return kind == PacketKind::Publish || kind == PacketKind::Will;
    case Id::TopicAlias:
        return kind == PacketKind::Publish;
    case Id::WillDelayInterval:
        return kind == PacketKind::Will;
    case Id::SubscriptionIdentifier:
        return kind == PacketKind::Subscribe;
    case Id::SessionExpiryInterval:
        return kind == PacketKind::Connect || kind == PacketKind::Disconnect;
    case Id::AuthenticationMethod:
    case Id::AuthenticationData:
    case Id::RequestProblemInformation:
    case Id::RequestResponseInformation:
    case Id::ReceiveMaximum:
    case Id::TopicAliasMaximum:
    case Id::MaximumPacketSize:
        return kind == PacketKind::Connect;
    case Id::ReasonString:
    case Id::ServerReference:
        return kind == PacketKind::Disconnect;
    default:
        return false;
    }
}

QByteArray describeValue(const QVariant &v)
{
    QByteArray out = v.metaType().name() ? QByteArray(v.metaType().name()) : QByteArray("invalid");
    out += ':';
    switch (v.metaType().id()) {
    case QMetaType::QString: {
        const QString s = v.toString();
        out += QByteArray::number(s.size()) + " QChars";
        if (s.size() <= 16) {
            out += " [";
            for (const QChar c : s)
                out += QByteArray::number(c.unicode(), 16) + ' ';
            out += ']';
        }
        break;
    }
    case QMetaType::QByteArray:
        out += QByteArray::number(v.toByteArray().size()) + " bytes";
        break;
    case QMetaType::QStringList:
        out += QByteArray::number(v.toStringList().size()) + " strings";
        break;
    default:
        out += v.toString().toUtf8().left(40);
    }
    return out;
}

QByteArray describe(const Properties &p)
{
    QByteArray out = "{";
    const QList<Id> ids = p.ids();
    QList<Id> done;
    for (const Id id : ids) {
        if (done.contains(id))
            continue;
        done.append(id);
        for (const QVariant &v : p.values(id))
            out += ' ' + QByteArray::number(int(id)) + '=' + describeValue(v);
    }
    return out + " }";
}

// --- Input decoding ---

quint64 edgeNumber(FuzzedDataProvider &fdp)
{
    static const quint64 edges[] = { 0, 1, 2, 255, 256, 65535, 65536, 268435455, 268435456,
        0xFFFFFFFFull, 0x100000000ull, 0xFFFFFFFFFFFFFFFFull };
    if (fdp.ConsumeBool())
        return edges[fdp.ConsumeIntegralInRange<size_t>(0, std::size(edges) - 1)];
    return fdp.ConsumeIntegral<quint32>();
}

QString makeString(FuzzedDataProvider &fdp)
{
    switch (fdp.ConsumeIntegralInRange(0, 3)) {
    case 0: { // UTF-8 (malformed sequences become U+FFFD; U+0000 possible)
        const std::string bytes = fdp.ConsumeRandomLengthString(64);
        return QString::fromUtf8(bytes.data(), qsizetype(bytes.size()));
    }
    case 1: { // raw UTF-16 code units: unpaired surrogates
        const std::string bytes = fdp.ConsumeRandomLengthString(64);
        QString s(qsizetype(bytes.size() / 2), Qt::Uninitialized);
        for (size_t i = 0; i + 1 < bytes.size(); i += 2)
            s[qsizetype(i / 2)] = QChar(char16_t(quint8(bytes[i]) | (quint8(bytes[i + 1]) << 8)));
        return s;
    }
    case 2: { // around the 65535-byte limit: 1-, 2- and 3-byte UTF-8 characters
        static const char16_t chars[] = { u'a', u'\u00e9', u'\u20ac' };
        const int width = fdp.ConsumeIntegralInRange(0, 2);
        const qsizetype count = 65535 / (width + 1) + fdp.ConsumeIntegralInRange(-1, 1);
        return QString(count, QChar(chars[width]));
    }
    default:
        return QString::fromLatin1(fdp.ConsumeRandomLengthString(8).c_str());
    }
}

QByteArray makeBytes(FuzzedDataProvider &fdp)
{
    if (fdp.ConsumeIntegralInRange(0, 7) == 0)
        return QByteArray(65535 + fdp.ConsumeIntegralInRange(-1, 1), '\xAB');
    const std::string bytes = fdp.ConsumeRandomLengthString(64);
    return QByteArray(bytes.data(), qsizetype(bytes.size()));
}

QVariant makeNumber(FuzzedDataProvider &fdp)
{
    const quint64 n = edgeNumber(fdp);
    switch (fdp.ConsumeIntegralInRange(0, 5)) {
    case 0:
        return QVariant::fromValue(int(n)); // setValue(id, 60) passes an int
    case 1:
        return QVariant::fromValue(qint64(n));
    case 2:
        return QVariant::fromValue(n);
    case 3:
        return QVariant::fromValue(-qint64(fdp.ConsumeIntegralInRange<quint32>(1, 3)));
    case 4:
        return QVariant::fromValue(n != 0);
    default:
        return QVariant::fromValue(quint32(n)); // the documented type
    }
}

QVariant makeAnything(FuzzedDataProvider &fdp)
{
    switch (fdp.ConsumeIntegralInRange(0, 6)) {
    case 0:
        return QVariant();
    case 1:
        return makeNumber(fdp);
    case 2:
        return makeString(fdp);
    case 3:
        return makeBytes(fdp);
    case 4: {
        QStringList list;
        const int n = fdp.ConsumeIntegralInRange(0, 3);
        for (int i = 0; i < n; ++i)
            list.append(makeString(fdp));
        return list;
    }
    case 5:
        return QVariant::fromValue(fdp.ConsumeFloatingPoint<double>());
    default:
        return QVariant::fromValue(QList<int> { 1, 2 });
    }
}

QVariant makeTyped(FuzzedDataProvider &fdp, Id id)
{
    switch (MQTTProperty_getType(MQTTPropertyCodes(int(id)))) {
    case MQTTPROPERTY_TYPE_BYTE:
    case MQTTPROPERTY_TYPE_TWO_BYTE_INTEGER:
    case MQTTPROPERTY_TYPE_FOUR_BYTE_INTEGER:
    case MQTTPROPERTY_TYPE_VARIABLE_BYTE_INTEGER:
        return makeNumber(fdp);
    case MQTTPROPERTY_TYPE_BINARY_DATA:
        return makeBytes(fdp);
    case MQTTPROPERTY_TYPE_UTF_8_ENCODED_STRING:
        return makeString(fdp);
    case MQTTPROPERTY_TYPE_UTF_8_STRING_PAIR:
        return QStringList { makeString(fdp), makeString(fdp) };
    default:
        return makeAnything(fdp);
    }
}

// --- Checks ---

bool isWellFormedMqttString(const QString &s)
{
    return QStringView(s).isValidUtf16() && !s.contains(QChar(u'\0'));
}

void checkSpecRules(const Properties &props, PacketKind kind)
{
    const QByteArray where = QByteArray("accepted for ") + kindName(kind);
    const QList<Id> ids = props.ids();
    for (const Id id : ids) {
        FUZZ_CHECK(specAllows(id, kind), where + ": the property is not allowed in this packet");
        if (id != Id::UserProperty)
            FUZZ_CHECK(ids.count(id) == 1,
                where
                    + ": a property other than User Property "
                      "appears more than once (protocol error)");
        const int type = MQTTProperty_getType(MQTTPropertyCodes(int(id)));
        for (const QVariant &v : props.values(id)) {
            if (type == MQTTPROPERTY_TYPE_UTF_8_ENCODED_STRING) {
                FUZZ_CHECK(isWellFormedMqttString(v.toString()),
                    where
                        + ": a string property is not well-formed UTF-8 or contains U+0000 "
                          "[MQTT-1.5.4-1/2]");
                FUZZ_CHECK(v.toString().toUtf8().size() <= 65535,
                    where + ": a string property is longer than 65535 bytes");
            } else if (type == MQTTPROPERTY_TYPE_UTF_8_STRING_PAIR) {
                const QStringList pair = v.toStringList();
                FUZZ_CHECK(
                    isWellFormedMqttString(pair.value(0)) && isWellFormedMqttString(pair.value(1)),
                    where
                        + ": a user property is not well-formed UTF-8 or contains U+0000 "
                          "[MQTT-1.5.4-1/2]");
                FUZZ_CHECK(pair.value(0).toUtf8().size() <= 65535
                        && pair.value(1).toUtf8().size() <= 65535,
                    where
                        + ": a user property name or value is longer than 65535 bytes "
                          "(its length prefix would wrap)");
            } else if (type == MQTTPROPERTY_TYPE_BINARY_DATA) {
                FUZZ_CHECK(v.toByteArray().size() <= 65535,
                    where + ": a binary property is longer than 65535 bytes");
            }
        }
        const quint64 n = props.value(id).toULongLong();
        switch (id) {
        case Id::ReceiveMaximum:
        case Id::MaximumPacketSize:
        case Id::TopicAlias:
            FUZZ_CHECK(n != 0,
                where
                    + ": Receive Maximum, Maximum Packet Size and Topic Alias "
                      "must not be 0 (protocol error)");
            break;
        case Id::PayloadFormatIndicator:
        case Id::RequestProblemInformation:
        case Id::RequestResponseInformation:
            FUZZ_CHECK(n <= 1, where + ": this property must be 0 or 1 (protocol error)");
            break;
        default:
            break;
        }
    }
}

void checkRoundTrip(const Properties &props)
{
    MQTTProperties paho = QPaho::Internal::toPaho(props);
    const bool sameCount = paho.count == props.count();
    const Properties back = QPaho::Internal::fromPaho(&paho);
    MQTTProperties copy = MQTTProperties_copy(&paho);
    const Properties backFromCopy = QPaho::Internal::fromPaho(&copy);
    MQTTProperties_free(&copy);
    MQTTProperties_free(&paho);
    if (back != props)
        std::fprintf(stderr, "  round trip: %s\n", describe(back).constData());
    FUZZ_CHECK(sameCount, "toPaho() must make one paho property per value");
    FUZZ_CHECK(back == props, "fromPaho(toPaho(p)) must equal p for an accepted set");
    FUZZ_CHECK(backFromCopy == props, "fromPaho(MQTTProperties_copy(toPaho(p))) must equal p");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // MQTTProperties_add allocates through paho's heap tracking, which MQTTAsync_create
    // initialises (paho-qt-notes §3, paho issue #1378). The handle lives until exit.
    static MQTTAsync handle = nullptr;
    if (MQTTAsync_create(&handle, "tcp://127.0.0.1:1883", "qpaho-fuzz-properties",
            MQTTCLIENT_PERSISTENCE_NONE, nullptr)
        != MQTTASYNC_SUCCESS) {
        std::fprintf(stderr, "fuzz_properties: MQTTAsync_create failed\n");
        std::abort();
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FuzzedDataProvider fdp(data, size);
    const bool anyType = fdp.ConsumeIntegralInRange(0, 3) == 0;
    Properties props;
    const int steps = fdp.ConsumeIntegralInRange(0, 10);
    for (int i = 0; i < steps && fdp.remaining_bytes() > 0; ++i) {
        const int op = fdp.ConsumeIntegralInRange(0, 5);
        const Id id = fdp.ConsumeIntegralInRange(0, 7) != 0
            ? kIds[fdp.ConsumeIntegralInRange<size_t>(0, std::size(kIds) - 1)]
            : Id(fdp.ConsumeIntegral<quint8>());
        switch (op) {
        case 0:
        case 1:
            props.addValue(id, anyType ? makeAnything(fdp) : makeTyped(fdp, id));
            break;
        case 2:
            props.setValue(id, anyType ? makeAnything(fdp) : makeTyped(fdp, id));
            break;
        case 3: {
            const QString name = makeString(fdp);
            props.addUserProperty(name, makeString(fdp));
            break;
        }
        case 4:
            props.remove(id);
            break;
        default: {
            // The typed setters (one of each kind).
            const quint32 n = quint32(edgeNumber(fdp));
            switch (fdp.ConsumeIntegralInRange(0, 4)) {
            case 0:
                props.setSubscriptionIdentifier(n);
                break;
            case 1:
                props.setReceiveMaximum(n);
                break;
            case 2:
                props.setPayloadFormatIndicator(n & 1);
                break;
            case 3:
                props.setContentType(makeString(fdp));
                break;
            default:
                props.setCorrelationData(makeBytes(fdp));
                break;
            }
            break;
        }
        }
    }

    bool acceptedSomewhere = false;
    for (const PacketKind kind : kKinds) {
        const QString error = QPaho::Internal::validateProperties(props, kind);
        // Deterministic, and a rejection always says why.
        FUZZ_CHECK(error == QPaho::Internal::validateProperties(props, kind),
            "validateProperties() must be deterministic");
        if (!error.isEmpty())
            continue;
        acceptedSomewhere = true;
        checkSpecRules(props, kind);
    }
    if (acceptedSomewhere)
        checkRoundTrip(props);
    return 0;
}
