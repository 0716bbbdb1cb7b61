// What `primoart status` shows of the Kafka cluster, read with Kafka's own admin client, which
// (unlike kafkajs) describes the KRaft controller quorum. Run by infra/stack/kafka-status.ts as
// `java -cp '<kafka libs>/*' ClusterStatus.java` (the source launcher: nothing is built or kept).
// Input on stdin, tab-separated, so that no secret appears on a command line:
//   config<TAB><admin client property><TAB><value>
// Output, one fact per line, tab-separated:
//   broker<TAB><id><TAB><host:port>
//   quorum<TAB><leader id><TAB><leader epoch><TAB><high watermark>
//   voter<TAB><id><TAB><log end offset><TAB><last caught up, ms since the epoch or -1>
//   partition<TAB><topic><TAB><partition><TAB><leader or -1><TAB><replicas,…><TAB><in sync,…>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;

public class ClusterStatus {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Properties config = new Properties();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      String[] fields = line.split("\t", 3);
      if (fields.length != 3 || !fields[0].equals("config"))
        throw new IllegalArgumentException("expected config<TAB>key<TAB>value");
      config.setProperty(fields[1], fields[2]);
    }
    try (Admin admin = Admin.create(config)) {
      for (Node node : admin.describeCluster().nodes().get()) {
        System.out.println("broker\t" + node.id() + "\t" + node.host() + ":" + node.port());
      }
      QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get();
      System.out.println(
          "quorum\t" + quorum.leaderId() + "\t" + quorum.leaderEpoch() + "\t" + quorum.highWatermark());
      for (QuorumInfo.ReplicaState voter : quorum.voters()) {
        System.out.println(
            "voter\t" + voter.replicaId() + "\t" + voter.logEndOffset() + "\t"
                + voter.lastCaughtUpTimestamp().orElse(-1L));
      }
      var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
      for (TopicDescription topic : admin.describeTopics(names).allTopicNames().get().values()) {
        for (TopicPartitionInfo partition : topic.partitions()) {
          System.out.println(
              "partition\t" + topic.name() + "\t" + partition.partition() + "\t"
                  + (partition.leader() == null ? -1 : partition.leader().id()) + "\t"
                  + ids(partition.replicas()) + "\t" + ids(partition.isr()));
        }
      }
    }
  }

  private static String ids(java.util.List<Node> nodes) {
    return nodes.stream().map(node -> String.valueOf(node.id())).collect(Collectors.joining(","));
  }
}
