// SPDX-License-Identifier: EPL-2.0 OR BSD-3-Clause
// One node of the test fixture's aedes cluster (QPahoTest::AedesCluster): an aedes broker whose
// sessions, subscriptions and queued messages live in redis (aedes-persistence-redis) and whose
// messages travel between nodes through redis (mqemitter-redis). MQTT 3.1.1 only (aedes 1.x).
//
// usage: node aedes-node.mjs <node_modules dir> <mqtt port> <redis port> <node id>
// Listens on 127.0.0.1 only, prints "READY <port>" once listening; SIGTERM closes it cleanly.
import net from 'node:net'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const [modules, port, redisPort, id] = process.argv.slice(2)
const require = createRequire(modules.replace(/\/?$/, '/'))
const load = async (name) => import(pathToFileURL(require.resolve(name)).href)
const { Aedes } = await load('aedes')
const persistence = (await load('aedes-persistence-redis')).default
const mqemitter = (await load('mqemitter-redis')).default

const redis = { host: '127.0.0.1', port: Number(redisPort) }
// No ready check on the emitter's connections. ioredis 5.8.2 and later write a SUBSCRIBE issued
// between connecting and its ready check at once, and the ready check's INFO then fails in
// subscriber mode: "Connection in subscriber mode, only subscriber commands may be used", an
// unhandled 'error' that ends the node (ioredis issue #2037; seen once at the start of
// tst_cluster). The check only waits for a redis that is loading a dump, and the fixture's redis
// starts empty and accepts connections before any node starts.
const emitterRedis = { ...redis, enableReadyCheck: false }
const broker = await Aedes.createBroker({
  id, persistence: persistence(redis), mq: mqemitter(emitterRedis)
})
const server = net.createServer(broker.handle)
server.on('error', (e) => { console.error(`Error: ${e.message}`); process.exit(1) })
await new Promise((resolve) => server.listen(Number(port), '127.0.0.1', resolve))
console.log(`READY ${server.address().port}`)
process.on('SIGTERM', () => { server.close(); broker.close(() => process.exit(0)) })
