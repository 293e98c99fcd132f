// The stdio loop and the services it gives the MCP server: the database
// opened read-only for each read, the admin socket through the same
// exchange switchboardctl's daemon commands use, no metrics. The services
// answer inline, on this thread, but the loop still waits on a future for
// each answer, so it would stay correct with services that answer later.
#include "cli/ctl/ctl_mcp.hpp"

#include <future>
#include <utility>

#include <unistd.h>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cli/ctl/ctl_client.hpp"
#include "cli/ctl/ctl_history.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "core/log.hpp"
#include "mcp/mcp_server.hpp"
#include "mcp/mcp_tools.hpp"
#include "net/text/json_writer.hpp"

namespace sb {

namespace {

std::chrono::milliseconds admin_timeout(const mcp_stdio_options& o,
                                        const std::string& request) {
  if (o.timeout.count() > 0)
    return o.timeout;
  rapidjson::Document doc;
  const bool dial = parse_whole_json(doc, request) && doc.IsObject()
                    && doc.HasMember("cmd") && doc["cmd"] == "dial";
  return dial ? std::chrono::seconds(60) : std::chrono::seconds(10);
}

std::string admin_failure(std::string why) {
  return json_object([&](json_writer& w) {
    w.Key("ok");
    w.Bool(false);
    write_field(w, "error", why);
  });
}

mcp_services stdio_services(const mcp_stdio_options& o) {
  mcp_services s;
  s.read = [path = o.db](std::function<void(sqlite3*)> job) {
    auto db = open_readonly_database(path);
    if (!db)
      SB_LOG_WARNING("mcp: " << what(db.error()));
    job(db ? db->get() : nullptr);
  };
  s.admin = [o](std::string request, std::function<void(std::string)> done) {
    auto ex = exchange_line(o.socket, request, admin_timeout(o, request));
    if (ex.status == exchange_status::ok)
      done(std::move(ex.reply));
    else if (ex.status == exchange_status::no_daemon)
      done(admin_failure("the daemon is not running (nothing listens on "
                         + o.socket + ")"));
    else
      done(admin_failure(o.socket + ": " + ex.error));
  };
  return s;
}

// One message in, its answer's body out ("" for a notification).
std::string answer_line(mcp_server& server, mcp_legacy_session& session,
                        const std::string& who, const std::string& line) {
  auto parsed = parse_mcp_message(line);
  if (parsed.answer)
    return parsed.answer->body;
  std::promise<mcp_answer> answered;
  auto answer = answered.get_future();
  server.handle(parsed.message, &session, who, [&answered](mcp_answer a) {
    answered.set_value(std::move(a));
  });
  return answer.get().body;
}

void write_line(std::ostream& out, const std::string& body) {
  if (body.empty())
    return;
  out << body << '\n';
  out.flush();
}

} // namespace

mcp_line read_mcp_line(std::istream& in, std::string& line, size_t max_bytes) {
  line.clear();
  auto* buf = in.rdbuf();
  bool any = false;
  bool too_long = false;
  for (;;) {
    const auto ch = buf->sbumpc();
    if (ch == std::char_traits<char>::eof()) {
      in.setstate(std::ios::eofbit);
      if (!any)
        return mcp_line::end;
      break;
    }
    any = true;
    if (ch == '\n')
      break;
    if (line.size() >= max_bytes) {
      too_long = true;
      line.clear();
      line.shrink_to_fit();
    }
    if (!too_long)
      line += static_cast<char>(ch);
  }
  if (too_long)
    return mcp_line::too_long;
  if (!line.empty() && line.back() == '\r')
    line.pop_back();
  return mcp_line::line;
}

int serve_mcp_stdio(const mcp_stdio_options& options, std::istream& in,
                    std::ostream& out) {
  mcp_server server{{options.allow_actions, "stdio"}, stdio_services(options)};
  mcp_legacy_session session;
  const auto who = "stdio uid " + std::to_string(::getuid());
  SB_LOG_INFO("mcp: serving on stdio (database "
              << options.db << ", socket " << options.socket << ", actions "
              << (options.allow_actions ? "allowed" : "off") << ")");
  std::string line;
  for (;;) {
    const auto got = read_mcp_line(in, line, mcp_max_line_bytes);
    if (got == mcp_line::end)
      break;
    if (got == mcp_line::too_long) {
      write_line(out, mcp_error_answer({}, mcp_error::parse_error,
                                       "Parse error: a message longer than "
                                       "4 MiB",
                                       400)
                        .body);
      continue;
    }
    // A blank line carries no message; answering it would only confuse.
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    write_line(out, answer_line(server, session, who, line));
  }
  return 0;
}

std::string mcp_schemas_text() {
  rapidjson::Document doc;
  doc.Parse(mcp_tools_json(true).c_str());
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w{buf};
  w.SetIndent(' ', 2);
  w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  doc.Accept(w);
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

} // namespace sb
