// One load-run call as an asynchronous Beast client session; every error
// becomes a short kind ("connect refused", "HTTP 403", ...) for the report.
#include "cli/sim/sim_load_call.hpp"

#include <chrono>
#include <deque>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "net/text/form.hpp"

namespace sb {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

} // namespace

std::string connect_error_kind(const boost::system::error_code& ec) {
  if (ec == net::error::connection_refused)
    return "connect refused";
  if (ec == beast::error::timeout)
    return "connect timeout";
  return "connect: " + ec.message();
}

std::string io_error_kind(const boost::system::error_code& ec) {
  if (ec == beast::error::timeout)
    return "timeout";
  if (ec == http::error::end_of_stream || ec == net::error::eof
      || ec == net::error::connection_reset || ec == net::error::broken_pipe)
    return "connection closed";
  return "io: " + ec.message();
}

namespace {

class load_call : public std::enable_shared_from_this<load_call> {
public:
  load_call(net::io_context& ioc, std::shared_ptr<const load_call_setup> setup,
            int64_t index, load_call_done done)
    : setup_(std::move(setup)),
      opts_(setup_->opts),
      stream_(net::make_strand(ioc)),
      index_(index),
      done_(std::move(done)) {
    party_ = {opts_.account_sid, random_call_sid(), opts_.from, opts_.to,
              opts_.outbound};
    out_.sent.call_sid = party_.call_sid;
  }

  void start() {
    started_ = steady::now();
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&load_call::next,
                                            shared_from_this()));
  }

private:
  enum class step { answer, turn, redirect, audio, complete };

  // Chooses the next request and sends it, or ends the call. Audio the
  // caller is about to hear comes first, then a pending redirect, then the
  // next thing the script does.
  void next() {
    if (!audio_.empty()) {
      prepare(http::verb::get, audio_.front(), {});
      audio_.pop_front();
      step_ = step::audio;
    } else if (!redirect_.empty()) {
      prepare(http::verb::post, redirect_,
              twilio_standard_params(party_, "in-progress"));
      redirect_.clear();
      step_ = step::redirect;
    } else if (!answered_) {
      prepare(http::verb::post,
              opts_.outbound ? "/voice/outbound" : "/voice/inbound",
              twilio_standard_params(party_, opts_.outbound ? "in-progress"
                                                            : "ringing"));
      step_ = step::answer;
    } else if (turn_ < opts_.turns) {
      utterance_ = load_utterance(index_, turn_++);
      auto params = twilio_standard_params(party_, "in-progress");
      params.emplace_back("Confidence", "0.92");
      params.emplace_back("SpeechResult", utterance_);
      prepare(http::verb::post, listen_, params);
      step_ = step::turn;
      redirects_ = 0;
    } else if (opts_.complete && !completed_) {
      auto params = twilio_standard_params(party_, "completed");
      auto secs = std::chrono::duration_cast<std::chrono::seconds>(steady::now()
                                                                   - started_)
                    .count();
      params.emplace_back("CallDuration", std::to_string(secs));
      prepare(http::verb::post, "/call-status", params);
      step_ = step::complete;
    } else {
      return finish({});
    }
    if (!connected_)
      return do_connect();
    do_write();
  }

  void prepare(http::verb method, const std::string& target,
               const form_params& params) {
    req_ = {};
    req_.method(method);
    req_.target(target);
    req_.version(11);
    req_.set(http::field::host, setup_->host);
    req_.set(http::field::user_agent, "TwilioProxy/1.1");
    if (method == http::verb::post) {
      req_.set(http::field::content_type, "application/x-www-form-urlencoded");
      if (!opts_.auth_token.empty())
        req_.set("X-Twilio-Signature",
                 sign_webhook(opts_.auth_token, setup_->public_base, target,
                              params));
      req_.body() = form_encode(params);
      document_ = target;
    }
    req_.prepare_payload();
    route_ = route_of_target(target);
  }

  void do_connect() {
    stream_.expires_after(opts_.timeout);
    stream_.async_connect(setup_->endpoints,
                          beast::bind_front_handler(&load_call::on_connect,
                                                    shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec)
      return finish(connect_error_kind(ec));
    stream_.socket().set_option(tcp::no_delay(true), ec);
    connected_ = true;
    do_write();
  }

  // One deadline covers writing the request and reading the answer, as
  // Twilio's does the whole exchange.
  void do_write() {
    stream_.expires_after(opts_.timeout);
    sent_at_ = steady::now();
    http::async_write(stream_, req_,
                      beast::bind_front_handler(&load_call::on_write,
                                                shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec)
      return finish(io_error_kind(ec));
    res_ = {};
    http::async_read(stream_, buffer_, res_,
                     beast::bind_front_handler(&load_call::on_read,
                                               shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return finish(io_error_kind(ec));
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                steady::now() - sent_at_)
                .count();
    out_.latency.add(route_, us);
    ++out_.requests;
    if (!res_.keep_alive()) { // the daemon closes: Twilio would reconnect
      close();
      buffer_.clear();
    }
    on_response();
  }

  void on_response() {
    auto status = res_.result_int();
    if (status != 200)
      return finish("HTTP " + std::to_string(status));
    if (step_ == step::audio) {
      if (!wav_seconds(res_.body()))
        return finish("<Play> audio is not WAV");
      return next();
    }
    if (step_ == step::complete) {
      completed_ = true;
      return next();
    }
    if (step_ == step::turn)
      out_.sent.said.push_back(utterance_);
    if (step_ == step::answer)
      answered_ = true;
    auto doc = read_twiml(res_.body());
    if (!doc)
      return finish("TwiML unreadable");
    if (opts_.fetch_audio)
      for (auto* play : doc->find_all("Play"))
        audio_.push_back(url_target(play->text));
    run(*doc);
  }

  // The verbs in order, up to the first that listens, moves or ends.
  void run(const twiml_node& doc) {
    for (const auto& v : doc.children) {
      if (v.name == "Gather") {
        auto action = v.attr("action");
        listen_ = action.empty() ? document_ : url_target(action);
        return next();
      }
      if (v.name == "Redirect") {
        if (++redirects_ > opts_.max_redirects)
          return finish("too many redirects");
        redirect_ = url_target(v.text);
        return next();
      }
      if (v.name == "Hangup" || v.name == "Reject") {
        // None of the utterances ends a call: a hang-up before the last
        // turn is the daemon's doing (a limit, an error) and is counted.
        if (turn_ < opts_.turns)
          return finish("hung up early");
        return next();
      }
    }
    finish("TwiML without <Gather>/<Hangup>");
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    connected_ = false;
  }

  void finish(std::string error) {
    close();
    out_.error = std::move(error);
    auto done = std::move(done_);
    done(std::move(out_));
  }

  std::shared_ptr<const load_call_setup> setup_;
  const load_options& opts_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  int64_t index_;
  load_call_done done_;
  sim_party party_;
  load_call_outcome out_;
  step step_ = step::answer;
  std::string route_;    // of the request in flight
  std::string document_; // target of the last TwiML request
  std::string listen_ = "/voice/process-speech"; // the <Gather> action
  std::string redirect_;                         // to follow next, if any
  std::deque<std::string> audio_;                // <Play> URLs to fetch next
  std::string utterance_;                        // of the turn in flight
  int turn_ = 0;                                 // utterances sent
  int redirects_ = 0;                            // followed in this turn
  bool connected_ = false;
  bool answered_ = false;
  bool completed_ = false;
  steady::time_point started_;
  steady::time_point sent_at_;
};

} // namespace

void start_load_call(net::io_context& ioc,
                     std::shared_ptr<const load_call_setup> setup,
                     int64_t index, load_call_done done) {
  std::make_shared<load_call>(ioc, std::move(setup), index, std::move(done))
    ->start();
}

} // namespace sb
