#!/usr/bin/env bash
# Real servers for the integration tests, bound to 127.0.0.1 on free ports:
#   kafka: a single-node Apache Kafka broker in KRaft mode (broker + controller in one JVM)
#   mongo: mongo-java-server (MongoDB wire protocol) with its H2 backend, so data survives restarts
# Jars come from Maven Central through Maven (cached in .cache/test-servers/jars and ~/.m2).
#
# usage: servers.sh start [kafka|mongo|all]   start unless already running; print the env lines
#        servers.sh stop  [kafka|mongo|all]   SIGTERM and wait; "all" also deletes the data
#        servers.sh kill    kafka|mongo       SIGKILL (crash test); keeps data and port
#        servers.sh restart kafka|mongo       start again on the same port with the same data
#        servers.sh status [kafka|mongo|all]  exit 0 only if all of them are running
#        servers.sh env                       print .cache/test-servers/servers.env
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=$ROOT/.cache/test-servers
JARS=$CACHE/jars
STATE=$CACHE/state
ENV_FILE=$CACHE/servers.env
HOST=127.0.0.1

KAFKA_VERSIONS=${CRM_TEST_KAFKA_VERSION:-"3.9.1 3.9.0"} # first one that Maven resolves wins
MONGO_SERVER_VERSION=${CRM_TEST_MONGO_SERVER_VERSION:-1.47.0}
START_TIMEOUT_S=${CRM_TEST_SERVERS_TIMEOUT:-120} # a broker recovering from SIGKILL can be slow

say() { echo "test-servers: $*" >&2; }
die() { say "error: $*"; exit 1; }

# ---- jars ------------------------------------------------------------------------------------

# mvn_copy POM DEST [-Dprop=value...]: copy the POM's runtime classpath into DEST, atomically
# (a half-finished download never looks like a cache hit).
mvn_copy() {
  local pom=$1 dest=$2
  shift 2
  say "resolving $(basename "$dest") with Maven (first run only; log: $JARS/maven.log)"
  rm -rf "$dest.tmp"
  mvn -B -q -ntp -Dstyle.color=never -f "$pom" "$@" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$dest.tmp" >>"$JARS/maven.log" 2>&1 || return 1
  mv "$dest.tmp" "$dest"
}

kafka_jars() {
  local v
  for v in $KAFKA_VERSIONS; do
    if [ -d "$JARS/kafka-$v" ] || mvn_copy "$HERE/kafka.pom.xml" "$JARS/kafka-$v" -Dkafka.version="$v"; then
      echo "$JARS/kafka-$v"
      return
    fi
    say "could not resolve Kafka $v"
  done
  die "no Kafka version resolved (tried $KAFKA_VERSIONS), see $JARS/maven.log"
}

# Prints a classpath: the library jars plus our launcher, compiled once per source revision.
mongo_classpath() {
  local lib=$JARS/mongo-java-server-$MONGO_SERVER_VERSION src=$HERE/MongoTestServer.java cls
  [ -d "$lib" ] || mvn_copy "$HERE/mongo.pom.xml" "$lib" -Dmongo-java-server.version="$MONGO_SERVER_VERSION" ||
    die "could not resolve mongo-java-server $MONGO_SERVER_VERSION, see $JARS/maven.log"
  cls=$JARS/mongo-launcher-$(sha1sum "$src" | cut -c1-12)-$MONGO_SERVER_VERSION
  if [ ! -d "$cls" ]; then
    rm -rf "$JARS"/mongo-launcher-* # builds of older revisions
    javac -nowarn -cp "$lib/*" -d "$cls.tmp" "$src" >&2 || die "javac failed for $src"
    mv "$cls.tmp" "$cls"
  fi
  echo "$cls:$lib/*"
}

# ---- processes -------------------------------------------------------------------------------

# Free ports below the kernel's ephemeral range (net.ipv4.ip_local_port_range, 32768 and up
# by default), all held open at once so that they differ from each other. A port in that range
# can be handed out as the local port of an outgoing connection while its server is down: a
# client reconnecting to a killed server then connects to itself (TCP self-connect) and holds
# the port, and the restart finds it taken.
free_ports() {
  node -e '
    const net = require("net"); const n = +process.argv[1];
    const [low] = require("fs").readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8")
      .trim().split(/\s+/).map(Number);
    const top = Math.min(low || 32768, 32768) - 1; const bottom = Math.max(1024, top - 12000);
    const held = [];
    const next = () => {
      if (held.length === n) {
        console.log(held.map((s) => s.address().port).join(" "));
        held.forEach((s) => s.close());
        return;
      }
      const server = net.createServer();
      server.once("error", next);
      server.listen(bottom + Math.floor(Math.random() * (top - bottom)), "127.0.0.1", () => {
        held.push(server);
        next();
      });
    };
    next();' "$1"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# Pid of a server that this script started, or nothing. The JVM command line carries its state
# dir, so a recycled pid or someone else's java is never mistaken for ours.
our_pid() {
  local pid cmdline
  pid=$(cat "$STATE/$1/pid" 2>/dev/null) && cmdline=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  [[ $cmdline == *" -Dtest-servers.state=$STATE/$1 "* ]] && echo "$pid"
}

first_port() { cut -d' ' -f1 "$STATE/$1/ports"; }

is_running() { our_pid "$1" >/dev/null && port_open "$(first_port "$1")"; }

# launch NAME JAVA_ARGS...: start java detached (own session, so a Ctrl-C in the terminal that
# ran the tests does not reach it), output to the log file. The child writes its own pid: with
# setsid and exec that is the JVM's pid.
launch() {
  local name=$1 dir=$STATE/$1
  shift
  rm -f "$dir/pid"
  echo "=== $(date -Is) starting" >>"$dir/server.log"
  # shellcheck disable=SC2016 # $$ and $@ belong to the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$dir/pid" \
    java -Dtest-servers.state="$dir" "$@" </dev/null >>"$dir/server.log" 2>&1 9>&- &
  for _ in $(seq 50); do [ -s "$dir/pid" ] && return; sleep 0.1; done
  die "$name did not start"
}

# wait_ready NAME CHECK...: until CHECK succeeds; fail fast (with the log's tail) if the JVM dies.
# Sub-second polling: a restart in a crash test should not wait longer than the server does.
wait_ready() {
  local name=$1 deadline=$((SECONDS + START_TIMEOUT_S))
  shift
  until "$@"; do
    if ! our_pid "$name" >/dev/null; then
      tail -n 30 "$STATE/$name/server.log" >&2
      die "$name exited during startup, see $STATE/$name/server.log"
    fi
    if [ $SECONDS -ge $deadline ]; then
      kill -KILL "$(our_pid "$name")" # a half-started server would pass for a running one
      die "$name not ready after ${START_TIMEOUT_S}s, see $STATE/$name/server.log"
    fi
    sleep 0.2
  done
}

# alive PID: exists and is not a zombie (init here takes ~1.5 s to reap a killed orphan).
# Alive while any of its threads is: a killed JVM's main thread turns zombie (Z) before its other
# threads have exited, and the sockets (the listening port) close only with the last of them; on
# a loaded machine a restart then found the port "taken" by the dying server itself.
alive() {
  local task state
  for task in /proc/"$1"/task/*; do
    state=$(sed 's/.*) //' "$task/stat" 2>/dev/null | cut -c1) || continue
    [ -n "$state" ] && [ "$state" != Z ] && return 0
  done
  return 1
}

# wait_exit NAME PID SECONDS: true once the process is gone.
wait_exit() {
  local deadline=$((SECONDS + $3))
  while alive "$2"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.1
  done
}

# ---- kafka -----------------------------------------------------------------------------------

# Ready = serves metadata and has a group coordinator (see kafka-probe.js for why).
kafka_ready() { node "$HERE/kafka-probe.js" "$HOST" "$(first_port kafka)" 2>/dev/null; }

start_kafka() {
  local dir=$STATE/kafka jars port cport
  jars=$(kafka_jars)
  read -r port cport <"$dir/ports"
  # Written on every start from the saved ports, so a restart comes back identical.
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$cport
listeners=PLAINTEXT://$HOST:$port,CONTROLLER://$HOST:$cport
advertised.listeners=PLAINTEXT://$HOST:$port
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# Single node: every replication factor and ISR minimum is 1.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
num.partitions=1
auto.create.topics.enable=true
# Consumer groups form at once instead of waiting 3 s for more members.
group.initial.rebalance.delay.ms=0
# After a SIGKILL the restarted broker cannot register until the dead incarnation's session
# expires (DUPLICATE_BROKER_REGISTRATION): 3 s instead of the default 9 s (+ retry backoff).
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
EOF
  if [ ! -f "$dir/data/meta.properties" ]; then
    local tool=(java -Xmx256m -XX:TieredStopAtLevel=1 -Dlog4j.configuration="file:$HERE/kafka-log4j.properties"
      -cp "$jars/*" kafka.tools.StorageTool)
    local id
    id=$("${tool[@]}" random-uuid 2>>"$dir/server.log" | tail -n 1)
    [[ $id =~ ^[A-Za-z0-9_-]{22}$ ]] || die "StorageTool random-uuid printed '$id'"
    "${tool[@]}" format -t "$id" -c "$dir/server.properties" >>"$dir/server.log" 2>&1 ||
      die "formatting the Kafka log dir failed, see $dir/server.log"
  fi
  ! port_open "$port" || die "port $port (kafka) is taken by another process"
  launch kafka -Xms128m -Xmx512m -Dlog4j.configuration="file:$HERE/kafka-log4j.properties" \
    -cp "$jars/*" kafka.Kafka "$dir/server.properties"
  wait_ready kafka kafka_ready
}

# ---- mongo -----------------------------------------------------------------------------------

start_mongo() {
  local dir=$STATE/mongo cp port
  cp=$(mongo_classpath)
  port=$(first_port mongo)
  ! port_open "$port" || die "port $port (mongo) is taken by another process"
  touch "$dir/server.log"
  MONGO_LOG_FROM=$(($(wc -l <"$dir/server.log") + 1))
  launch mongo -Xms64m -Xmx512m -Dorg.slf4j.simpleLogger.defaultLogLevel=info \
    -cp "$cp" MongoTestServer "$HOST" "$port" "$dir/data.mv.db"
  wait_ready mongo mongo_listening
}

# The launcher prints this line once bound; only this run's part of the log counts.
mongo_listening() {
  tail -n "+$MONGO_LOG_FROM" "$STATE/mongo/server.log" | grep 'MongoTestServer: listening' >/dev/null &&
    port_open "$(first_port mongo)"
}

# ---- commands --------------------------------------------------------------------------------

write_env() {
  {
    [ ! -f "$STATE/kafka/ports" ] || echo "CRM_TEST_KAFKA_BROKERS=$HOST:$(first_port kafka)"
    [ ! -f "$STATE/mongo/ports" ] || echo "CRM_TEST_MONGO_URL=mongodb://$HOST:$(first_port mongo)"
  } >"$ENV_FILE"
}

start_one() {
  local name=$1 pid
  if is_running "$name"; then
    say "$name already running (pid $(our_pid "$name"))"
    return
  fi
  # Ours but not answering: a hung or half-started JVM. Replace it.
  if pid=$(our_pid "$name"); then
    say "$name (pid $pid) is not answering; killing it"
    kill -KILL "$pid"
    wait_exit "$name" "$pid" 10 || die "could not kill $name (pid $pid)"
  fi
  mkdir -p "$STATE/$name"
  # Ports are chosen once per state dir and kept, so kill/restart comes back on the same ones.
  [ -s "$STATE/$name/ports" ] || free_ports "$([ "$name" = kafka ] && echo 2 || echo 1)" >"$STATE/$name/ports"
  local t0=$SECONDS
  "start_$name"
  say "$name started on $HOST:$(first_port "$name") in $((SECONDS - t0))s (pid $(our_pid "$name"), log $STATE/$name/server.log)"
}

# stop_one NAME SIGNAL
stop_one() {
  local name=$1 sig=$2 pid
  if ! pid=$(our_pid "$name"); then
    say "$name not running"
    rm -f "$STATE/$name/pid"
    return
  fi
  kill "-$sig" "$pid"
  # Kafka's controlled shutdown normally takes a few seconds; escalate if it hangs.
  if ! wait_exit "$name" "$pid" 60; then
    say "$name (pid $pid) ignored SIG$sig for 60s; sending SIGKILL"
    kill -KILL "$pid"
    wait_exit "$name" "$pid" 10 || die "could not stop $name (pid $pid)"
  fi
  rm -f "$STATE/$name/pid"
  say "$name stopped (SIG$sig)"
}

targets() {
  case "${1:-all}" in
  all) echo kafka mongo ;;
  kafka | mongo) echo "$1" ;;
  *) die "unknown server '$1' (expected kafka, mongo or all)" ;;
  esac
}

usage() {
  sed -n '7,12s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage; fi
cmd=$1
what=${2:-all}
names=$(targets "$what") || exit 1 # validates the server name
case "$cmd" in kill | restart) [ "$what" != all ] || usage ;; esac

mkdir -p "$JARS" "$STATE"
# One invocation at a time (e.g. Jest's global setup and a developer's shell).
exec 9>"$CACHE/.lock"
flock 9

case "$cmd" in
start)
  for s in $names; do start_one "$s"; done
  write_env
  cat "$ENV_FILE"
  ;;
stop)
  for s in $names; do stop_one "$s" TERM; done
  if [ "$what" = all ]; then
    rm -rf "$STATE" "$ENV_FILE" # data is per test run
  fi
  ;;
kill)
  stop_one "$what" KILL
  ;;
restart)
  [ -s "$STATE/$what/ports" ] || die "$what was never started; use: $0 start $what"
  stop_one "$what" TERM
  start_one "$what"
  ;;
status)
  rc=0
  for s in $names; do
    if is_running "$s"; then
      echo "$s running on $HOST:$(first_port "$s") (pid $(our_pid "$s"))"
    else
      echo "$s not running"
      rc=1
    fi
  done
  exit $rc
  ;;
env)
  [ -s "$ENV_FILE" ] || die "no servers started; run: $0 start"
  cat "$ENV_FILE"
  ;;
*) usage ;;
esac
