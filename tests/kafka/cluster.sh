#!/usr/bin/env bash
# A real Apache Kafka KRaft cluster on 127.0.0.1 for Ballast's tests and demo, from Maven
# Central jars (nothing downloaded is committed: jars live in $BALLAST_CACHE, by default
# ~/.cache/ballast). One controller and N brokers over R racks, two log dirs per broker.
#
#   cluster.sh fetch                         download the jars (quick when cached)
#   cluster.sh start DIR [--brokers N] [--racks R] [--jmx-exporter] [--security]
#                                            format and start, wait until ready
#   cluster.sh stop DIR                      stop every process it started (idempotent)
#   cluster.sh stop-broker DIR ID | start-broker DIR ID
#   cluster.sh add-broker DIR ID [RACK]      format and start a new, empty broker ID (rack
#                                            r((ID-1) mod R) by default) in the running
#                                            cluster, on a free port; added to cluster.env
#   cluster.sh status DIR
#   cluster.sh tool DIR MainClass args...    run a class from the jars (Kafka's own tools)
#
# DIR/cluster.env is written on start: BOOTSTRAP, BROKERS, RACKS, CONTROLLER, BROKER_<id>=port,
# KAFKA_VERSION. Brokers have node ids 1..N, broker i in rack r((i-1) mod R); the controller is
# node 100. Every JVM gets a small heap, serial GC and C1 only.
# --security adds SASL_SSL, SASL_PLAINTEXT and SSL (client certificate required) listeners on
# every broker beside PLAINTEXT (inter-broker traffic stays PLAINTEXT): a CA, a broker
# certificate for IP 127.0.0.1 (PKCS12 keystore) and a client certificate are made with the
# openssl CLI in DIR/tls; SCRAM-SHA-256 and SCRAM-SHA-512 credentials for SCRAM_USER are added
# at format time (StorageTool --add-scram), PLAIN takes the same password. cluster.env then
# also has SECURE_BOOTSTRAP (SASL_SSL), SASL_PLAINTEXT_BOOTSTRAP, SSL_BOOTSTRAP, SCRAM_USER,
# SCRAM_PASSWORD, CA_FILE, CLIENT_CERT, CLIENT_KEY and OTHER_CA_FILE (a CA the brokers do not use).
# --jmx-exporter runs the Prometheus JMX exporter agent (io.prometheus.jmx:jmx_prometheus_javaagent,
# fetched into the cache) in every broker with DIR/jmx-exporter.yaml (per-topic and total
# BrokerTopicMetrics bytes in/out, per-partition log size, process CPU); cluster.env then also
# has JMX_<id>=port (http://127.0.0.1:port/metrics) and JMX_EXPORTER_VERSION.
#
# Version and mode: `start DIR --version V --mode kraft|zk` (or BALLAST_KAFKA_VERSION,
# BALLAST_KAFKA_MODE; default 4.1.1, kraft; 2.x defaults to zk). kraft: one controller (node 100,
# static controller.quorum.voters) and the brokers, formatted with StorageTool (Kafka >= 3.3).
# zk: a ZooKeeper server (org.apache.zookeeper.server.ZooKeeperServerMain from the zookeeper jar
# Kafka 2.x/3.x depends on) on a free loopback port in place of the controller, and brokers with
# broker.id and zookeeper.connect (Kafka 2.x and 3.x; 4.x has no ZooKeeper mode). cluster.env
# then has KAFKA_MODE=zk and ZOOKEEPER=127.0.0.1:port; CONTROLLER is the ZooKeeper address.
# The other commands read the version and mode of DIR from its cluster.env. Kafka's tools are
# found by their simple class name (kafka.admin.TopicCommand in 2.8, org.apache.kafka.tools.
# TopicCommand later; ConfigCommand moved in 4.4), so `tool DIR org.apache.kafka.tools.X` works
# on every version. Jars are cached per version in $BALLAST_CACHE/kafka-<version>.
set -euo pipefail

KAFKA_VERSION=${BALLAST_KAFKA_VERSION:-4.1.1}
KAFKA_MODE=${BALLAST_KAFKA_MODE:-}
LOG4J_VERSION=2.24.3
set_version() { # set_version V: the cache and jars of Kafka V
  KAFKA_VERSION=$1
  [[ $KAFKA_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || die "bad Kafka version '$KAFKA_VERSION' (like 3.9.1)"
  KAFKA_MAJOR=${KAFKA_VERSION%%.*}
  CACHE=${BALLAST_CACHE:-$HOME/.cache/ballast}/kafka-$KAFKA_VERSION
  LIBS=$CACHE/libs
}
HEAP=${BALLAST_KAFKA_HEAP:-320m}
READY_TIMEOUT=${BALLAST_KAFKA_READY_TIMEOUT:-240}
SECURITY=0
JMX_EXPORTER_VERSION=${BALLAST_JMX_EXPORTER_VERSION:-1.0.1}
JMX_JAR=${BALLAST_CACHE:-$HOME/.cache/ballast}/jmx-exporter-$JMX_EXPORTER_VERSION/jmx_prometheus_javaagent-$JMX_EXPORTER_VERSION.jar

die() { echo "cluster.sh: $*" >&2; exit 1; }
set_version "$KAFKA_VERSION"

fetch() {
  if [ -f "$CACHE/.complete" ]; then return 0; fi
  command -v mvn >/dev/null || die "maven (mvn) is needed to fetch Kafka's jars: install the Debian package maven (scripts/setup.sh does)"
  mkdir -p "$CACHE"
  echo "cluster.sh: fetching Kafka $KAFKA_VERSION's jars from Maven Central into $CACHE (once; a minute or more)" >&2
  # Kafka 4 logs through log4j2, which its POM leaves out; 2.x and 3.x bring log4j 1 (reload4j)
  # and its slf4j binding themselves (a second binding would make slf4j pick either).
  local log4j2=
  [ "$KAFKA_MAJOR" -ge 4 ] && log4j2="    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J_VERSION</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J_VERSION</version></dependency>"
  cat > "$CACHE/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>ballast</groupId><artifactId>kafka-test-cluster</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$KAFKA_VERSION</version></dependency>
$log4j2
  </dependencies>
</project>
EOF
  rm -rf "$LIBS"
  (cd "$CACHE" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$LIBS" \
      -DincludeScope=runtime > "$CACHE/mvn.log" 2>&1) ||
    { tail -20 "$CACHE/mvn.log" >&2; die "fetching Kafka $KAFKA_VERSION from Maven Central failed"; }
  ls "$LIBS"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null || die "kafka_2.13 jar missing after fetch"
  list_classes
  touch "$CACHE/.complete"
}

list_classes() { # every class of Kafka's own jars, for finding a tool by its simple name
  python3 - "$LIBS" > "$CACHE/classes.txt.$$" <<'PY'
import glob, sys, zipfile
names = set()
for jar in glob.glob(sys.argv[1] + "/kafka*.jar"):
    for n in zipfile.ZipFile(jar).namelist():
        if n.endswith(".class") and "$" not in n:
            names.add(n[:-6].replace("/", "."))
print("\n".join(sorted(names)))
PY
  mv -f "$CACHE/classes.txt.$$" "$CACHE/classes.txt" # whole, for a concurrent reader
}

# resolve_class CLASS -> the class of this version with the same simple name: Kafka moved its
# tools from kafka.admin (Scala) to org.apache.kafka.tools between 3.5 and 4.4
resolve_class() {
  local cls=$1 found
  [ -f "$CACHE/classes.txt" ] || list_classes
  if grep -qxF "$cls" "$CACHE/classes.txt"; then echo "$cls"; return; fi
  found=$(grep -E "^(kafka\.(admin|tools)|org\.apache\.kafka\.tools(\.reassign)?)\.${cls##*.}\$" "$CACHE/classes.txt" | head -1)
  echo "${found:-$cls}"
}

fetch_jmx_exporter() {
  [ -f "$JMX_JAR" ] && return 0
  command -v mvn >/dev/null || die "maven (mvn) is needed to fetch the JMX exporter: install the Debian package maven (scripts/setup.sh does)"
  local dir; dir=$(dirname "$JMX_JAR")
  echo "cluster.sh: fetching jmx_prometheus_javaagent $JMX_EXPORTER_VERSION from Maven Central into $dir (once)" >&2
  mkdir -p "$dir"
  mvn -q -B dependency:copy -Dartifact="io.prometheus.jmx:jmx_prometheus_javaagent:$JMX_EXPORTER_VERSION" \
      -DoutputDirectory="$dir" > "$dir/mvn.log" 2>&1 ||
    { tail -20 "$dir/mvn.log" >&2; die "fetching jmx_prometheus_javaagent $JMX_EXPORTER_VERSION failed"; }
  [ -f "$JMX_JAR" ] || die "$JMX_JAR missing after fetch"
}

write_jmx_rules() { # the exporter's rules: names as in its Kafka example (lowercaseOutputName)
  cat > "$DIR/jmx-exporter.yaml" <<'EOF'
lowercaseOutputName: true
lowercaseOutputLabelNames: true
includeObjectNames:
  - "kafka.server:type=BrokerTopicMetrics,*"
  - "kafka.log:type=Log,name=Size,*"
  - "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent"
  - "kafka.server:type=ReplicaManager,name=UnderReplicatedPartitions"
rules:
  - pattern: kafka.server<type=BrokerTopicMetrics, name=(.+)PerSec, topic=(.+)><>Count
    name: kafka_server_brokertopicmetrics_$1_total
    type: COUNTER
    labels:
      topic: "$2"
  - pattern: kafka.server<type=BrokerTopicMetrics, name=(.+)PerSec><>Count
    name: kafka_server_brokertopicmetrics_$1_total
    type: COUNTER
  - pattern: kafka.log<type=Log, name=Size, topic=(.+), partition=(.+)><>Value
    name: kafka_log_log_size
    type: GAUGE
    labels:
      topic: "$1"
      partition: "$2"
  - pattern: kafka.network<type=SocketServer, name=NetworkProcessorAvgIdlePercent><>Value
    name: kafka_network_socketserver_networkprocessoravgidlepercent
    type: GAUGE
  - pattern: kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions><>Value
    name: kafka_server_replicamanager_underreplicatedpartitions
    type: GAUGE
EOF
}

make_certs() { # a CA, another CA, the broker keystore and a client certificate in DIR/tls
  local t=$DIR/tls who
  mkdir -p "$t"
  ossl() { openssl "$@" >/dev/null 2>>"$t/openssl.log" || die "openssl $1 failed (see $t/openssl.log)"; }
  local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  for who in ca other-ca; do
    ossl req -x509 "${ec[@]}" -keyout "$t/$who.key" -out "$t/$who.crt" -days 7 \
      -subj "/CN=Ballast test $who" -addext basicConstraints=critical,CA:TRUE \
      -addext keyUsage=critical,keyCertSign,cRLSign
  done
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$t/broker.ext"
  printf 'extendedKeyUsage=clientAuth\n' > "$t/client.ext"
  for who in broker client; do
    ossl req "${ec[@]}" -keyout "$t/$who.key" -out "$t/$who.csr" -subj "/CN=ballast-$who"
    ossl x509 -req -in "$t/$who.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" -CAcreateserial -days 7 \
      -extfile "$t/$who.ext" -out "$t/$who.crt"
  done
  ossl pkcs12 -export -in "$t/broker.crt" -inkey "$t/broker.key" -certfile "$t/ca.crt" \
    -name broker -passout "pass:$KEYSTORE_PASSWORD" -out "$t/broker.p12"
}

secure_listeners() { # secure_listeners ID -> ",SASL_SSL://..,SASL_PLAINTEXT://..,SSL://.." (or nothing)
  [ "$SECURITY" = 1 ] || return 0
  local p
  for p in SASL_SSL SASL_PLAINTEXT SSL; do printf ',%s://127.0.0.1:%s' $p "$(eval echo "\$${p}_PORT_$1")"; done
}

security_props() { # security_props FILE: SASL mechanisms, JAAS per listener, keystore, truststore
  local scram='org.apache.kafka.common.security.scram.ScramLoginModule required;' l
  local plain="org.apache.kafka.common.security.plain.PlainLoginModule required user_$SCRAM_USER=\"$SCRAM_PASSWORD\";"
  {
    echo "sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512,PLAIN"
    for l in sasl_ssl sasl_plaintext; do
      echo "listener.name.$l.scram-sha-256.sasl.jaas.config=$scram"
      echo "listener.name.$l.scram-sha-512.sasl.jaas.config=$scram"
      echo "listener.name.$l.plain.sasl.jaas.config=$plain"
    done
    echo "ssl.keystore.type=PKCS12"
    echo "ssl.keystore.location=$DIR/tls/broker.p12"
    echo "ssl.keystore.password=$KEYSTORE_PASSWORD"
    echo "ssl.key.password=$KEYSTORE_PASSWORD"
    echo "ssl.truststore.type=PEM"
    echo "ssl.truststore.location=$DIR/tls/ca.crt"
    echo "listener.name.ssl.ssl.client.auth=required"
  } >> "$1"
}

java_run() { # java_run MAINCLASS ARGS... (foreground)
  local cls; cls=$(resolve_class "$1"); shift
  java -Xms64m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -Dlog4j2.configurationFile="$DIR/log4j2.properties" -Dlog4j.configuration="file:$DIR/log4j.properties" \
    -cp "$LIBS/*" "$cls" "$@"
}

free_ports() { # free_ports N -> N free loopback ports, one a line
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
for s in socks:
    print(s.getsockname()[1])
EOF
}

write_log4j() {
  cat > "$DIR/log4j2.properties" <<'EOF'
status = error
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.server.name = org.apache.kafka
logger.server.level = WARN
EOF
  # Kafka 2.x and 3.x log through log4j 1 (reload4j)
  cat > "$DIR/log4j.properties" <<'EOF'
log4j.rootLogger=WARN, OUT
log4j.appender.OUT=org.apache.log4j.ConsoleAppender
log4j.appender.OUT.layout=org.apache.log4j.PatternLayout
log4j.appender.OUT.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF
}

common_props() { # common_props FILE [MORE_PROTOCOL_MAP_ENTRIES]
  if [ "$KAFKA_MODE" = zk ]; then
    cat >> "$1" <<EOF
zookeeper.connect=127.0.0.1:$CONTROLLER_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT${2:-}
EOF
  else
    cat >> "$1" <<EOF
controller.quorum.voters=100@127.0.0.1:$CONTROLLER_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${2:-}
EOF
  fi
  cat >> "$1" <<EOF
num.network.threads=2
num.io.threads=2
background.threads=2
num.replica.fetchers=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=2097152
EOF
}

start_node() { # start_node NAME (props in $DIR/NAME.properties)
  local name=$1 agent=() jmx= main=kafka.Kafka heap=$HEAP
  mkdir -p "$DIR/logs" "$DIR/pids"
  [ "$name" != controller ] && jmx=$(eval echo "\${JMX_${name#b}:-}")
  [ -n "$jmx" ] && agent=("-javaagent:$JMX_JAR=127.0.0.1:$jmx:$DIR/jmx-exporter.yaml")
  # zk mode: the "controller" is the ZooKeeper server (the brokers elect a controller among them)
  [ "$name" = controller ] && [ "$KAFKA_MODE" = zk ] && { main=org.apache.zookeeper.server.ZooKeeperServerMain; heap=128m; }
  nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 ${agent[@]+"${agent[@]}"} \
    -XX:MaxDirectMemorySize=128m -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
    -Dlog4j.configuration="file:$DIR/log4j.properties" -Dzookeeper.admin.enableServer=false \
    -Dballast.cluster="$DIR" -cp "$LIBS/*" $main "$DIR/$name.properties" \
    > "$DIR/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$DIR/pids/$name.pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) n
  while :; do
    for f in "$DIR"/pids/*.pid; do
      local pid; pid=$(cat "$f")
      if ! kill -0 "$pid" 2>/dev/null; then
        local name; name=$(basename "$f" .pid)
        echo "cluster.sh: $name exited; the end of its log:" >&2
        tail -30 "$DIR/logs/$name.log" >&2 || true
        return 1
      fi
    done
    local all=1
    for id in $(seq 1 "$NBROKERS"); do
      port_open "$(eval echo \$BROKER_PORT_$id)" || all=0
    done
    if [ "$all" = 1 ]; then
      n=$(java_run org.apache.kafka.tools.BrokerApiVersionsCommand \
            --bootstrap-server "$BOOTSTRAP" 2>/dev/null | grep -c '(id: ' || true)
      [ "$n" -ge "$NBROKERS" ] && return 0
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "cluster.sh: not ready after ${READY_TIMEOUT}s" >&2
      for f in "$DIR"/logs/*.log; do echo "== $f" >&2; tail -15 "$f" >&2; done
      return 1
    fi
    sleep 2
  done
}

cmd_start() {
  NBROKERS=6; NRACKS=3; WITH_JMX=0
  while [ $# -gt 0 ]; do
    case $1 in
      --version) set_version "${2:?--version needs a Kafka version}"; shift 2 ;;
      --mode) KAFKA_MODE=${2:?--mode needs kraft or zk}; shift 2 ;;
      --jmx-exporter) WITH_JMX=1; shift ;;
      --security) SECURITY=1; shift ;;
      --brokers) NBROKERS=$2; shift 2 ;;
      --racks) NRACKS=$2; shift 2 ;;
      *) die "start: unknown option '$1'" ;;
    esac
  done
  [[ $NBROKERS =~ ^[0-9]+$ && $NBROKERS -ge 1 && $NBROKERS -le 20 ]] || die "--brokers takes 1..20"
  [[ $NRACKS =~ ^[0-9]+$ && $NRACKS -ge 1 && $NRACKS -le $NBROKERS ]] || die "--racks takes 1..brokers"
  [ -n "$KAFKA_MODE" ] || { KAFKA_MODE=kraft; [ "$KAFKA_MAJOR" -lt 3 ] && KAFKA_MODE=zk; }
  case $KAFKA_MODE in
    zk) [ "$KAFKA_MAJOR" -lt 4 ] || die "Kafka $KAFKA_VERSION has no ZooKeeper mode (removed in 4.0): use --mode kraft"
        [ $SECURITY = 0 ] || die "--security needs --mode kraft (its SCRAM users are written at format time)" ;;
    kraft) [[ $KAFKA_MAJOR -ge 4 || $KAFKA_VERSION =~ ^3\.([3-9]|[1-9][0-9])\. ]] ||
             die "Kafka $KAFKA_VERSION: KRaft is production-ready from 3.3 (this script formats as 3.3+ does): use --mode zk" ;;
    *) die "--mode takes kraft or zk, not '$KAFKA_MODE'" ;;
  esac
  command -v java >/dev/null || die "java is needed to run Kafka: install the Debian package openjdk-17-jre-headless (scripts/setup.sh does)"
  fetch
  [ $WITH_JMX = 1 ] && fetch_jmx_exporter
  mkdir -p "$DIR"
  [ -f "$DIR/pids/controller.pid" ] && die "$DIR already has a cluster (stop it first)"
  write_log4j
  mapfile -t ports < <(free_ports $((NBROKERS * (1 + WITH_JMX) + 1)))
  if [ $WITH_JMX = 1 ]; then
    write_jmx_rules
    for id in $(seq 1 "$NBROKERS"); do eval "JMX_$id=${ports[$((NBROKERS + id))]}"; done
  fi
  CONTROLLER_PORT=${ports[0]}
  local secure_map="" FORMAT_SCRAM=()
  if [ $SECURITY = 1 ]; then
    command -v openssl >/dev/null || die "--security needs the openssl command: install the Debian package openssl (scripts/setup.sh does)"
    SCRAM_USER=ballast; SCRAM_PASSWORD=$(openssl rand -hex 12); KEYSTORE_PASSWORD=$(openssl rand -hex 12)
    make_certs
    # 3 more ports per broker, none of those already taken (ask for extra, drop repeats)
    local sports
    mapfile -t sports < <(free_ports $((3 * NBROKERS + ${#ports[@]})) | grep -vxF -f <(printf '%s\n' "${ports[@]}") | head -n $((3 * NBROKERS)))
    for id in $(seq 1 "$NBROKERS"); do
      eval "SASL_SSL_PORT_$id=${sports[$((3 * id - 3))]} SASL_PLAINTEXT_PORT_$id=${sports[$((3 * id - 2))]} SSL_PORT_$id=${sports[$((3 * id - 1))]}"
    done
    secure_map=",SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL"
    FORMAT_SCRAM=(--add-scram "SCRAM-SHA-256=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]"
                  --add-scram "SCRAM-SHA-512=[name=$SCRAM_USER,password=$SCRAM_PASSWORD]")
  fi
  local rf=$(( NBROKERS < 3 ? NBROKERS : 3 ))
  if [ "$KAFKA_MODE" = zk ]; then
    {
      echo "dataDir=$DIR/controller/data"
      echo "clientPort=$CONTROLLER_PORT"
      echo "clientPortAddress=127.0.0.1"
      echo "tickTime=2000"
      echo "maxClientCnxns=0"
      echo "admin.enableServer=false"
    } > "$DIR/controller.properties"
  else
    local cid; cid=$(java_run kafka.tools.StorageTool random-uuid | tail -1)
    {
      echo "process.roles=controller"
      echo "node.id=100"
      echo "listeners=CONTROLLER://127.0.0.1:$CONTROLLER_PORT"
      echo "log.dirs=$DIR/controller/data"
    } > "$DIR/controller.properties"
    common_props "$DIR/controller.properties"
  fi
  BOOTSTRAP=""
  for id in $(seq 1 "$NBROKERS"); do
    local port=${ports[$id]}
    eval "BROKER_PORT_$id=$port"
    BOOTSTRAP+="${BOOTSTRAP:+,}127.0.0.1:$port"
    {
      if [ "$KAFKA_MODE" = zk ]; then echo "broker.id=$id"; else echo "process.roles=broker"; echo "node.id=$id"; fi
      echo "broker.rack=r$(( (id - 1) % NRACKS ))"
      echo "listeners=PLAINTEXT://127.0.0.1:$port$(secure_listeners "$id")"
      echo "advertised.listeners=PLAINTEXT://127.0.0.1:$port$(secure_listeners "$id")"
      echo "inter.broker.listener.name=PLAINTEXT"
      echo "log.dirs=$DIR/b$id/d0,$DIR/b$id/d1"
      echo "num.partitions=1"
      echo "default.replication.factor=$rf"
      echo "offsets.topic.replication.factor=$rf"
      echo "transaction.state.log.replication.factor=$rf"
      echo "transaction.state.log.min.isr=1"
      echo "auto.create.topics.enable=false"
      echo "auto.leader.rebalance.enable=false"
      echo "group.initial.rebalance.delay.ms=0"
    } > "$DIR/b$id.properties"
    common_props "$DIR/b$id.properties" "$secure_map"
    if [ $SECURITY = 1 ]; then security_props "$DIR/b$id.properties"; fi
  done
  for node in controller $(seq -f 'b%g' 1 "$NBROKERS"); do
    [ "$KAFKA_MODE" = zk ] && break
    java_run kafka.tools.StorageTool format -t "$cid" -c "$DIR/$node.properties" ${FORMAT_SCRAM[@]+"${FORMAT_SCRAM[@]}"} \
      > "$DIR/format-$node.log" 2>&1 || { cat "$DIR/format-$node.log" >&2; die "formatting $node failed"; }
  done
  {
    echo "KAFKA_VERSION=$KAFKA_VERSION"
    echo "KAFKA_MODE=$KAFKA_MODE"
    [ "$KAFKA_MODE" = zk ] && echo "ZOOKEEPER=127.0.0.1:$CONTROLLER_PORT"
    echo "BOOTSTRAP=$BOOTSTRAP"
    echo "BROKERS=$NBROKERS"
    echo "RACKS=$NRACKS"
    echo "CONTROLLER=127.0.0.1:$CONTROLLER_PORT"
    for id in $(seq 1 "$NBROKERS"); do echo "BROKER_$id=$(eval echo \$BROKER_PORT_$id)"; done
    if [ $SECURITY = 1 ]; then
      for p in SASL_SSL SASL_PLAINTEXT SSL; do
        list=""
        for id in $(seq 1 "$NBROKERS"); do list+="${list:+,}127.0.0.1:$(eval echo "\$${p}_PORT_$id")"; done
        [ $p = SASL_SSL ] && echo "SECURE_BOOTSTRAP=$list" || echo "${p}_BOOTSTRAP=$list"
      done
      echo "SCRAM_USER=$SCRAM_USER"
      echo "SCRAM_PASSWORD=$SCRAM_PASSWORD"
      echo "CA_FILE=$DIR/tls/ca.crt"
      echo "CLIENT_CERT=$DIR/tls/client.crt"
      echo "CLIENT_KEY=$DIR/tls/client.key"
      echo "OTHER_CA_FILE=$DIR/tls/other-ca.crt"
    fi
    if [ $WITH_JMX = 1 ]; then
      echo "JMX_EXPORTER_VERSION=$JMX_EXPORTER_VERSION"
      for id in $(seq 1 "$NBROKERS"); do echo "JMX_$id=$(eval echo \$JMX_$id)"; done
    fi
  } > "$DIR/cluster.env"
  local t0=$SECONDS
  start_node controller
  for id in $(seq 1 "$NBROKERS"); do start_node "b$id"; done
  if ! wait_ready; then
    cmd_stop
    die "the cluster did not start"
  fi
  echo "cluster.sh: Kafka $KAFKA_VERSION ($KAFKA_MODE): $NBROKERS brokers over $NRACKS racks ready in $((SECONDS - t0))s at $BOOTSTRAP" >&2
}

stop_pids() { # stop_pids PIDFILE...
  local pids=()
  for f in "$@"; do [ -f "$f" ] && pids+=("$(cat "$f")"); done
  [ ${#pids[@]} -eq 0 ] && return 0
  kill -TERM "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 1 40); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.5
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
  rm -f "$@"
}

cmd_stop() {
  [ -d "$DIR" ] || return 0
  # brokers first, then the controller (a broker stopping cleanly wants the controller)
  stop_pids "$DIR"/pids/b*.pid
  stop_pids "$DIR"/pids/controller.pid
  # anything left that names this cluster dir (e.g. a half-started node)
  pkill -KILL -f -- "-Dballast.cluster=$DIR " 2>/dev/null || true
  pkill -KILL -f -- "-Dballast.cluster=$DIR$" 2>/dev/null || true
  return 0
}

cmd_add_broker() { # cmd_add_broker ID [RACK]: a new broker like broker 1, on a free port
  local id=$1 rack=${2:-r$(( ($1 - 1) % RACKS ))}
  [[ $id =~ ^[0-9]+$ ]] || die "add-broker: '$id' is not a broker id"
  [ -f "$DIR/b$id.properties" ] && die "add-broker: broker $id exists"
  grep -q '^listeners=.*SASL' "$DIR/b1.properties" && die "add-broker: not with --security"
  [ "$KAFKA_MODE" = kraft ] || die "add-broker: KRaft clusters only"
  local cid port
  cid=$(sed -n 's/^cluster.id=//p' "$DIR/b1/d0/meta.properties")
  [ -n "$cid" ] || die "add-broker: no cluster.id in $DIR/b1/d0/meta.properties"
  port=$(free_ports 1)
  sed -e "s/^node.id=.*/node.id=$id/" -e "s/^broker.rack=.*/broker.rack=$rack/" \
      -e "s#^listeners=.*#listeners=PLAINTEXT://127.0.0.1:$port#" \
      -e "s#^advertised.listeners=.*#advertised.listeners=PLAINTEXT://127.0.0.1:$port#" \
      -e "s#^log.dirs=.*#log.dirs=$DIR/b$id/d0,$DIR/b$id/d1#" \
      "$DIR/b1.properties" > "$DIR/b$id.properties"
  java_run kafka.tools.StorageTool format -t "$cid" -c "$DIR/b$id.properties" \
    > "$DIR/format-b$id.log" 2>&1 || { cat "$DIR/format-b$id.log" >&2; die "formatting b$id failed"; }
  echo "BROKER_$id=$port" >> "$DIR/cluster.env"
  start_node "b$id"
  for _ in $(seq 1 120); do
    if port_open "$port"; then
      echo "cluster.sh: broker $id (rack $rack) started at 127.0.0.1:$port" >&2
      return 0
    fi
    kill -0 "$(cat "$DIR/pids/b$id.pid")" 2>/dev/null ||
      { tail -30 "$DIR/logs/b$id.log" >&2; die "broker $id exited"; }
    sleep 1
  done
  die "broker $id did not start"
}

load_env() {
  [ -f "$DIR/cluster.env" ] || die "$DIR has no cluster.env (start it first)"
  # shellcheck disable=SC1091
  . "$DIR/cluster.env"
  CONTROLLER_PORT=${CONTROLLER##*:}
  set_version "$KAFKA_VERSION"
  KAFKA_MODE=${KAFKA_MODE:-kraft}
}

env_version() { # the version of DIR's cluster, when it has one (else the environment's)
  local v
  [ -f "$DIR/cluster.env" ] && v=$(sed -n 's/^KAFKA_VERSION=//p' "$DIR/cluster.env") && [ -n "$v" ] && set_version "$v"
  return 0
}

cmd=${1:-}
[ -n "$cmd" ] || die "usage: cluster.sh fetch | start DIR [--version V] [--mode kraft|zk] [--brokers N] [--racks R] [--jmx-exporter] [--security] | stop DIR | stop-broker DIR ID | start-broker DIR ID | add-broker DIR ID [RACK] | status DIR | tool DIR CLASS ARGS..."
shift
case $cmd in
  fetch) fetch ;;
  start) DIR=$(realpath -m "${1:?start needs DIR}"); shift; cmd_start "$@" ;;
  stop) DIR=$(realpath -m "${1:?stop needs DIR}"); cmd_stop ;;
  add-broker)
    DIR=$(realpath -m "${1:?}"); load_env; cmd_add_broker "${2:?add-broker needs an id}" ${3:+"$3"} ;;
  stop-broker)
    DIR=$(realpath -m "${1:?}"); id=${2:?stop-broker needs an id}
    stop_pids "$DIR/pids/b$id.pid" ;;
  start-broker)
    DIR=$(realpath -m "${1:?}"); id=${2:?start-broker needs an id}; load_env
    [ -f "$DIR/pids/b$id.pid" ] && kill -0 "$(cat "$DIR/pids/b$id.pid")" 2>/dev/null && die "broker $id runs"
    start_node "b$id"
    port=$(eval echo \$BROKER_$id)
    for _ in $(seq 1 120); do port_open "$port" && exit 0; sleep 1; done
    die "broker $id did not come back" ;;
  status)
    DIR=$(realpath -m "${1:?}"); load_env
    for f in "$DIR"/pids/*.pid; do
      [ -f "$f" ] || continue
      name=$(basename "$f" .pid); pid=$(cat "$f")
      if kill -0 "$pid" 2>/dev/null; then echo "$name running (pid $pid)"; else echo "$name stopped"; fi
    done ;;
  tool) DIR=$(realpath -m "${1:?}"); shift; env_version; fetch; [ -f "$DIR/log4j2.properties" ] || { mkdir -p "$DIR"; write_log4j; }; java_run "$@" ;;
  *) die "unknown command '$cmd'" ;;
esac
