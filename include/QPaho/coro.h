// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
#ifndef QPAHO_CORO_H
#define QPAHO_CORO_H

// The only C++20 header of QPaho: the core headers stay C++17 (tests/headers checks that).
#if (defined(_MSVC_LANG) ? _MSVC_LANG : __cplusplus) < 202002L
#error "<QPaho/Coro> needs C++20 coroutines: link the CMake target QPaho::Coro, which requires it"
#endif

#include <QPaho/client.h>
#include <QPaho/message.h>
#include <QPaho/topic.h>

#include <QCoroAsyncGenerator>
#include <QCoroFuture> // makes every QPaho future awaitable
#include <QCoroTask>

#include <QtCore/QLoggingCategory>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QString>
#include <QtCore/QThread>
#include <QtCore/QTimer>

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <utility>

/*!
    \namespace QPaho::Coro
    \brief Coroutine helpers for QPaho, built on QCoro (C++20).

    Header: `#include <QPaho/Coro>`, CMake: `find_package(QPaho COMPONENTS Coro)` and
    `target_link_libraries(app PRIVATE QPaho::Coro)` (header-only; brings QCoro6::Core and
    C++20 along).

    Every QPaho future can be awaited as it is, with QCoro's QFuture support (this header
    includes `<QCoroFuture>`):
    `const QPaho::ConnectResult r = co_await client.connectToHost(uri);`. QPaho futures are
    never canceled and never exceptional, so \c co_await always resumes with a result, also
    when the Client is destroyed meanwhile (Error::ClientDestroyed). This namespace adds what
    a future cannot express: a stream of received messages (messages()) and waiting for one
    message with a time limit (waitForMessage()).

    Both run on the Client's thread: call them, and resume the coroutines that use them, on the
    thread the Client lives in.
*/
namespace QPaho::Coro {

namespace Internal {

/*! The logging category of QPaho::Coro, `qpaho.coro`. */
inline const QLoggingCategory &lcCoro()
{
    static const QLoggingCategory category("qpaho.coro");
    return category;
}

/*!
    The received messages that match one filter, buffered for one coroutine (the state behind
    messages() and waitForMessage(); not API). Registers a message handler on construction, so
    nothing that arrives before the coroutine first waits is lost, and removes it on
    destruction. Everything that can call back into it (the handler, the Client's destroyed()
    connection, the timer, posted resumptions) is bound to a context object it owns, so
    destroying the queue, for instance with a suspended generator, cancels all of them.
*/
class MessageQueue
{
public:
    /*! What happens to a message that arrives when the buffer is full. */
    enum class Mode {
        DropOldest, //!< Drop (and count) the oldest buffered message: a bounded stream.
        KeepFirst //!< Keep what is buffered and stop listening: waiting for one message.
    };

    MessageQueue(Client &client, const QString &filter, int capacity, Mode mode)
        : m_client(&client), m_filter(filter), m_capacity(capacity), m_mode(mode)
    {
        if (client.thread() != QThread::currentThread()) {
            qCWarning(lcCoro,
                "QPaho::Coro: called for topic filter \"%ls\" from a thread other "
                "than the Client's; nothing will be received",
                qUtf16Printable(filter));
            m_closed = true;
            return;
        }
        if (capacity < 1) {
            qCWarning(lcCoro,
                "QPaho::Coro: capacity %d for topic filter \"%ls\" is less than 1; "
                "nothing will be received",
                capacity, qUtf16Printable(filter));
            m_closed = true;
            return;
        }
        if (!Topic::isValidFilter(filter)) {
            qCWarning(lcCoro,
                "QPaho::Coro: invalid topic filter \"%ls\" (%ls); nothing will be "
                "received",
                qUtf16Printable(filter), qUtf16Printable(Topic::filterError(filter)));
            m_closed = true;
            return;
        }
        m_handler = client.addMessageHandler(
            filter, &m_context, [this](const Message &message) { push(message); });
        QObject::connect(&client, &QObject::destroyed, &m_context, [this] {
            // The Client cannot deliver any more: end once the buffer is drained.
            m_handler = 0;
            close();
        });
        m_timer.setSingleShot(true);
        QObject::connect(&m_timer, &QTimer::timeout, &m_context, [this] { wake(); });
    }

    ~MessageQueue()
    {
        if (m_client && m_handler)
            m_client->removeMessageHandler(m_handler);
        if (m_dropped > 0) {
            qCInfo(lcCoro,
                "QPaho::Coro: the stream for topic filter \"%ls\" dropped %llu "
                "message(s) in total because its consumer lagged",
                qUtf16Printable(m_filter), static_cast<unsigned long long>(m_dropped));
        }
    }

    MessageQueue(const MessageQueue &) = delete;
    MessageQueue &operator=(const MessageQueue &) = delete;

    /*! True when no message is buffered. */
    bool isEmpty() const { return m_messages.empty(); }
    /*! True when no more messages will arrive (bad input, Client destroyed, KeepFirst full). */
    bool isClosed() const { return m_closed; }
    /*! Messages dropped so far because the buffer was full (DropOldest). */
    quint64 dropped() const { return m_dropped; }

    /*! Removes and returns the oldest buffered message; the queue must not be empty. */
    Message take()
    {
        Message message = std::move(m_messages.front());
        m_messages.pop_front();
        return message;
    }

    /*!
        Awaitable: resumes the awaiting coroutine when a message is buffered, when the queue
        closes, or after \a timeout (a negative timeout: no time limit). Does not suspend when
        either already holds. The resumption is posted to the event loop, so the coroutine never
        runs inside the Client's message dispatch or its destructor.
    */
    auto arrival(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        static constexpr std::chrono::milliseconds maxInterval(std::numeric_limits<int>::max());
        class Arrival
        {
        public:
            Arrival(MessageQueue &queue, std::chrono::milliseconds timeout)
                : m_queue(queue), m_timeout(timeout)
            { }
            // Copyable (GCC 12 copies the awaiter of a prvalue): only the copy that suspended
            // stops waiting on destruction, which also runs when the awaiting coroutine is
            // destroyed while suspended here.
            ~Arrival()
            {
                if (m_suspended)
                    m_queue.stopWaiting();
            }

            bool await_ready() const noexcept { return !m_queue.isEmpty() || m_queue.isClosed(); }
            void await_suspend(std::coroutine_handle<> waiter)
            {
                m_suspended = true;
                m_queue.m_waiter = waiter;
                // QTimer takes an int of milliseconds: longer waits are capped at ~24 days.
                if (m_timeout.count() >= 0)
                    m_queue.m_timer.start(std::min(m_timeout, maxInterval));
            }
            void await_resume() noexcept { m_queue.stopWaiting(); }

        private:
            MessageQueue &m_queue;
            std::chrono::milliseconds m_timeout;
            bool m_suspended = false;
        };
        return Arrival(*this, timeout);
    }

private:
    void push(const Message &message)
    {
        if (m_closed)
            return;
        if (static_cast<qsizetype>(m_messages.size()) >= m_capacity) {
            if (m_mode == Mode::KeepFirst)
                return;
            m_messages.pop_front();
            if (m_dropped++ == 0) {
                qCWarning(lcCoro,
                    "QPaho::Coro: the consumer of topic filter \"%ls\" lags "
                    "behind; dropping the oldest messages (capacity %d)",
                    qUtf16Printable(m_filter), m_capacity);
            }
        }
        m_messages.push_back(message);
        if (m_mode == Mode::KeepFirst && static_cast<qsizetype>(m_messages.size()) >= m_capacity) {
            if (m_client && m_handler)
                m_client->removeMessageHandler(m_handler);
            m_handler = 0;
            m_closed = true;
        }
        wake();
    }

    void close()
    {
        m_closed = true;
        wake();
    }

    // Posts one resumption of the waiting coroutine (at most one at a time).
    void wake()
    {
        if (!m_waiter || m_resumePosted)
            return;
        m_resumePosted = true;
        QMetaObject::invokeMethod(
            &m_context,
            [this] {
                m_resumePosted = false;
                if (const auto waiter = std::exchange(m_waiter, nullptr))
                    waiter.resume(); // may destroy this queue: touch nothing afterwards
            },
            Qt::QueuedConnection);
    }

    void stopWaiting()
    {
        m_waiter = nullptr;
        m_timer.stop();
    }

    QPointer<Client> m_client;
    QString m_filter;
    int m_capacity;
    Mode m_mode;
    std::deque<Message> m_messages;
    quint64 m_dropped = 0;
    Client::HandlerId m_handler = 0;
    bool m_closed = false;
    bool m_resumePosted = false;
    std::coroutine_handle<> m_waiter;
    QTimer m_timer;
    // Declared last, destroyed first: disconnects every callback above before the members
    // they use go away, and discards a posted resumption.
    QObject m_context;
};

/*! The coroutine behind messages(); owns \a queue, so destroying the generator ends it. */
inline QCoro::AsyncGenerator<Message> streamMessages(std::unique_ptr<MessageQueue> queue)
{
    for (;;) {
        co_await queue->arrival();
        if (queue->isEmpty()) {
            if (queue->isClosed())
                co_return;
            continue;
        }
        Message message = queue->take();
        co_yield message;
    }
}

/*! The coroutine behind waitForMessage(). */
inline QCoro::Task<std::optional<Message>> firstMessage(
    std::unique_ptr<MessageQueue> queue, std::chrono::milliseconds timeout)
{
    co_await queue->arrival(timeout);
    if (queue->isEmpty())
        co_return std::nullopt;
    co_return queue->take();
}

} // namespace Internal

/*!
    A stream of the received messages whose topic matches \a filter (MQTT wildcards, as
    Client::addMessageHandler() matches them), in arrival order. Like a message handler it
    does not subscribe: subscribe separately. Messages are collected from this call on, also
    before the first iteration.

    \code
    QCoro::AsyncGenerator<QPaho::Message> stream = QPaho::Coro::messages(client, "sensors/#");
    co_await client.subscribe("sensors/#");
    QCORO_FOREACH(const QPaho::Message &message, stream) {
        qDebug() << message.topic() << message.payload();
    }
    \endcode

    The buffer holds at most \a capacity messages. When the consumer lags and the buffer is
    full, the oldest message is dropped for each new one; the first drop logs a warning and
    the end of the stream logs how many were dropped (category `qpaho.coro`).

    The stream ends (the loop finishes) when the Client is destroyed, after the messages
    already buffered. An invalid \a filter, a \a capacity below 1, or a call from another
    thread than the Client's logs a warning and gives a stream that ends at once. Destroying
    the generator at any time, also while it waits, stops collecting.

    Use the Client's thread, and keep \a client alive while the generator runs or make sure
    it is destroyed on that thread.
*/
inline QCoro::AsyncGenerator<Message> messages(
    Client &client, const QString &filter, int capacity = 10000)
{
    // Not a coroutine itself: the handler is registered now (a generator starts lazily), and
    // the coroutine holds no reference to a possibly temporary filter string.
    return Internal::streamMessages(std::make_unique<Internal::MessageQueue>(
        client, filter, capacity, Internal::MessageQueue::Mode::DropOldest));
}

/*!
    Waits for the first received message whose topic matches \a filter (it does not
    subscribe) and returns it, or \c std::nullopt when \a timeout passed first, when the Client
    was destroyed first, or at once (with a warning) for an invalid filter. A negative
    \a timeout waits without a time limit. Messages are collected from this call on.

    \code
    co_await client.subscribe("replies/42");
    client.publish("requests/42", "ping");
    if (const auto reply = co_await QPaho::Coro::waitForMessage(client, "replies/42", 5s))
        qDebug() << reply->payload();
    \endcode
*/
inline QCoro::Task<std::optional<Message>> waitForMessage(
    Client &client, const QString &filter, std::chrono::milliseconds timeout)
{
    return Internal::firstMessage(std::make_unique<Internal::MessageQueue>(
                                      client, filter, 1, Internal::MessageQueue::Mode::KeepFirst),
        timeout);
}

} // namespace QPaho::Coro

#endif // QPAHO_CORO_H
