// Creates or updates SCRAM-SHA-512 users on a Kafka cluster with Kafka's own admin client, which
// (unlike kafkajs) has AlterUserScramCredentials. Run by infra/stack/services/kafka.ts as
// `java -cp '<kafka libs>/*' ScramUsers.java` (the source launcher: nothing is built or kept).
// Input on stdin, tab-separated, so that no secret appears on a command line:
//   config<TAB><admin client property><TAB><value>
//   user<TAB><name><TAB><password>
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramUsers {
  // Kafka's default and minimum for SCRAM-SHA-512.
  private static final int ITERATIONS = 4096;

  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    Properties config = new Properties();
    List<UserScramCredentialAlteration> upserts = new ArrayList<>();
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) continue;
      String[] fields = line.split("\t", 3);
      if (fields.length != 3) throw new IllegalArgumentException("expected 3 tab-separated fields");
      switch (fields[0]) {
        case "config" -> config.setProperty(fields[1], fields[2]);
        case "user" -> upserts.add(new UserScramCredentialUpsertion(
            fields[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), fields[2]));
        default -> throw new IllegalArgumentException("unknown line kind " + fields[0]);
      }
    }
    try (Admin admin = Admin.create(config)) {
      admin.alterUserScramCredentials(upserts).all().get();
    }
    System.out.println("upserted " + upserts.size() + " SCRAM users");
  }
}
