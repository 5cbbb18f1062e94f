// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// --help and --version of qpaho-pub and qpaho-sub (on stdout, like mosquitto's).
#include "options.h"

#include <QtCore/QtGlobal>

#include <cstdio>

#ifndef QPAHO_CLI_VERSION
#define QPAHO_CLI_VERSION "unknown"
#endif

namespace QPahoCli {

namespace {

const char commonFlags[] = " -c : disable clean session/enable persistent client mode.\n"
                           " -d : enable debug messages.\n"
                           " -D : define MQTT v5 properties: -D command identifier value\n"
                           "      (command: connect, publish, subscribe, unsubscribe,\n"
                           "      disconnect, will).\n"
                           " -h : mqtt host to connect to. Defaults to localhost.\n"
                           " -i : id to use for this client. Defaults to a random id.\n"
                           " -I : define the client id as id_prefix appended with the process "
                           "id.\n"
                           " -k : keep alive in seconds for this client. Defaults to 60.\n"
                           " -L : specify user, password, hostname, port and topic as a URL in "
                           "the form:\n"
                           "      mqtt(s)://[username[:password]@]host[:port]/topic\n"
                           " -M : the maximum inflight messages for QoS 1/2.\n"
                           " -p : network port to connect to. Defaults to 1883 for plain MQTT "
                           "and 8883 for TLS.\n"
                           " -P : provide a password\n"
                           " -u : provide a username\n"
                           " -V : specify the version of the MQTT protocol to use when "
                           "connecting.\n"
                           "      Can be mqttv5 (5) or mqttv311 (311). Defaults to mqttv311.\n"
                           " -x : set the session-expiry-interval property on the CONNECT "
                           "packet (MQTT v5).\n"
                           " --help : display this message.\n"
                           " --version : display the version.\n"
                           " --quiet : don't print error messages.\n"
                           " --will-payload : payload for the client Will.\n"
                           " --will-qos : QoS level for the client Will.\n"
                           " --will-retain : if given, make the client Will retained.\n"
                           " --will-topic : the topic on which to publish the client Will.\n"
                           " --cafile : path to a file containing trusted CA certificates to "
                           "enable TLS.\n"
                           " --capath : path to a directory containing trusted CA certificates "
                           "to enable TLS.\n"
                           " --cert : client certificate for authentication.\n"
                           " --key : client private key for authentication.\n"
                           " --ciphers : openssl compatible list of TLS ciphers to support.\n"
                           " --tls-alpn : TLS ALPN protocol.\n"
                           " --tls-use-os-certs : load and trust OS provided CA certificates.\n"
                           " --tls-version : TLS protocol version: tlsv1.3, tlsv1.2 or tlsv1.1.\n"
                           " --insecure : do not check that the server certificate hostname "
                           "matches the remote\n"
                           "              hostname. Do not use this option in production.\n"
                           "\nNot supported (paho.mqtt.c cannot honour them): -A, --proxy, "
                           "--unix, --psk,\n"
                           "--psk-identity, --tls-engine, --tls-engine-kpass-sha1, --keyform, "
                           "-S, -V mqttv31.\n";

} // namespace

void printVersion(Tool tool)
{
    std::printf("%s version %s running on QPaho %s (paho.mqtt.c, Qt %s).\n",
        programName(tool).constData(), QPAHO_CLI_VERSION, QPAHO_CLI_VERSION, qVersion());
}

void printUsage(Tool tool)
{
    if (tool == Tool::Pub) {
        std::printf("qpaho-pub is a simple mqtt client that will publish a message on a single "
                    "topic and exit.\n");
        printVersion(tool);
        std::printf(
            "\nUsage: qpaho-pub {[-h host] [-p port] [-u username] [-P password] -t topic | "
            "-L URL}\n"
            "                 {-f file | -l | -n | -m message | -s}\n"
            "                 [-c] [-k keepalive] [-q qos] [-r] [--repeat N] [--repeat-delay "
            "time]\n"
            "                 [-x session-expiry] [-i id] [-I id_prefix] [-d] [--quiet] "
            "[--progress]\n"
            "                 [-M max_inflight] [--will-topic [--will-payload payload] "
            "[--will-qos qos]\n"
            "                 [--will-retain]] [{--cafile file | --capath dir} [--cert file] "
            "[--key file]\n"
            "                 [--ciphers ciphers] [--insecure] [--tls-alpn protocol] "
            "[--tls-version version]]\n"
            "                 [-D command identifier value]\n"
            "       qpaho-pub --help\n\n"
            " -f : send the contents of a file as the message.\n"
            " -l : read messages from stdin, sending a separate message for each line.\n"
            " -m : message payload to send.\n"
            " -n : send a null (zero length) message.\n"
            " -q : quality of service level to use for all messages. Defaults to 0.\n"
            " -r : message should be retained.\n"
            " -s : read message from stdin, sending the entire input as a message.\n"
            " -t : mqtt topic to publish to.\n"
            " --progress : with -l or --repeat, show messages sent and the rate on stderr\n"
            "              (only when stderr is a terminal).\n"
            " --repeat : if publish mode is -f, -m, -n or -s, then repeat the publish N "
            "times.\n"
            " --repeat-delay : if using --repeat, wait time seconds between publishes.\n");
    } else {
        std::printf("qpaho-sub is a simple mqtt client that will subscribe to a set of topics "
                    "and print all messages it receives.\n");
        printVersion(tool);
        std::printf(
            "\nUsage: qpaho-sub {[-h host] [-p port] [-u username] [-P password] -t topic | "
            "-L URL [-t topic]}\n"
            "                 [-c] [-k keepalive] [-q qos] [-x session-expiry-interval]\n"
            "                 [-C msg_count] [-E] [-R] [--retained-only] [--remove-retained]\n"
            "                 [-T filter_out] [-U topic ...] [-F format] [-W timeout_secs]\n"
            "                 [-i id] [-I id_prefix] [-d] [-N] [--quiet] [-v] [--pretty]\n"
            "                 [--will-topic [--will-payload payload] [--will-qos qos] "
            "[--will-retain]]\n"
            "                 [{--cafile file | --capath dir} [--cert file] [--key file]\n"
            "                 [--ciphers ciphers] [--insecure] [--tls-alpn protocol] "
            "[--tls-version version]]\n"
            "                 [-D command identifier value]\n"
            "       qpaho-sub --help\n\n"
            " -C : disconnect and exit after receiving the 'msg_count' messages.\n"
            " -E : exit once all subscriptions have been acknowledged by the broker.\n"
            " -F : output format (as mosquitto_sub: %%t %%p %%q %%r %%l %%m %%x %%X %%I %%U "
            "%%j %%J %%%%,\n"
            "      MQTT v5 %%A %%C %%D %%E %%F %%P %%R %%S, @ for strftime, \\ escapes).\n"
            " -N : do not add an end of line character when printing the payload.\n"
            " -q : quality of service level to use for the subscription. Defaults to 0.\n"
            " -R : do not print stale messages (those with retain set).\n"
            " -t : mqtt topic to subscribe to. May be repeated multiple times.\n"
            " -T : topic string to filter out of results. May be repeated.\n"
            " -U : unsubscribe from a topic. May be repeated.\n"
            " -v : print published messages verbosely (topic payload).\n"
            " -W : specifies a timeout in seconds how long to process incoming MQTT messages.\n"
            " --pretty : print formatted output rather than minimised output with %%j/%%J.\n"
            " --random-filter : only print a percentage of received messages.\n"
            " --retained-only : only handle messages with the retained flag set, and exit "
            "when the\n"
            "                   first non-retained message is received.\n"
            " --remove-retained : send a message to the server to clear any received retained "
            "messages.\n"
            " --retain-as-published : MQTT v5 retain-as-published subscription option.\n");
    }
    std::printf("%s", commonFlags);
    std::printf("\nExit codes: 0 success, 1 bad input or broker unreachable, the CONNACK code "
                "when the\nbroker refuses the connection (e.g. 5, or 135 with MQTT v5)%s.\n\n",
        tool == Tool::Sub ? ", 27 when -W times out" : "");
}

} // namespace QPahoCli
