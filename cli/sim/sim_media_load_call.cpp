// One media load-run call as an asynchronous Beast client session: do_x /
// on_x steps on one strand, shared_from_this() in every handler, every
// error a short kind for the report. Three things run side by side once
// the stream is up: the read loop (the daemon's frames into the stream),
// the write queue (one frame on the wire at a time, as Beast allows), and
// the timer (what is due, sent on time from the steady clock). A socket
// replaced by a reconnect is kept until the call ends, so the handlers
// still pending on it never outlive it; a generation number tells them
// they are stale.
#include "cli/sim/sim_media_load_call.hpp"

#include <chrono>
#include <deque>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "cli/sim/media_conversation.hpp"
#include "cli/sim/media_stream.hpp"
#include "cli/sim/sim_call.hpp"
#include "cli/sim/sim_load_call.hpp"
#include "cli/sim/sim_media_load_report.hpp"
#include "cli/sim/sim_webhook.hpp"
#include "cli/sim/twiml_reader.hpp"
#include "net/text/form.hpp"
#include "twilio/twilio_signature.hpp"

namespace sb {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Frames waiting for the socket: 5 s of them means the daemon has
// stopped reading, and the call has failed.
constexpr size_t max_queued_frames = 250;

class media_load_call : public std::enable_shared_from_this<media_load_call> {
public:
  media_load_call(net::io_context& ioc,
                  std::shared_ptr<const media_load_setup> setup,
                  media_load_done done)
    : setup_(std::move(setup)),
      opts_(setup_->opts),
      strand_(net::make_strand(ioc)),
      http_(strand_),
      tick_(strand_),
      conversation_(opts_.script, opts_.conversation),
      done_(std::move(done)) {
    const auto& l = opts_.load;
    party_ = {l.account_sid, random_call_sid(), l.from, l.to, l.outbound};
  }

  void start() {
    net::dispatch(strand_, [self = shared_from_this()] { self->answer(); });
  }

private:
  using ws_type = websocket::stream<beast::tcp_stream>;
  using response = http::response<http::string_body>;
  using then_fn = void (media_load_call::*)(const response&);

  // -- webhooks: one keep-alive connection, one request at a time -------

  struct pending_post {
    std::string target;
    form_params params;
    then_fn then;
  };

  void post(const std::string& url, form_params params, then_fn then) {
    posts_.push_back({url_target(url), std::move(params), then});
    if (!posting_)
      do_post();
  }

  void do_post() {
    if (finished_ || posts_.empty())
      return;
    posting_ = true;
    const auto& p = posts_.front();
    req_ = {};
    req_.method(http::verb::post);
    req_.target(p.target);
    req_.version(11);
    req_.set(http::field::host, setup_->host);
    req_.set(http::field::user_agent, "TwilioProxy/1.1");
    req_.set(http::field::content_type, "application/x-www-form-urlencoded");
    if (!opts_.load.auth_token.empty())
      req_.set("X-Twilio-Signature",
               sign_webhook(opts_.load.auth_token, setup_->public_base,
                            p.target, p.params));
    req_.body() = form_encode(p.params);
    req_.prepare_payload();
    // One deadline covers the whole exchange, as Twilio's does.
    http_.expires_after(opts_.load.timeout);
    if (!http_open_)
      return http_.async_connect(
        setup_->endpoints,
        beast::bind_front_handler(&media_load_call::on_http_connect,
                                  shared_from_this()));
    do_http_write();
  }

  void on_http_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec)
      return finish(connect_error_kind(ec));
    http_.socket().set_option(tcp::no_delay(true), ec);
    http_open_ = true;
    do_http_write();
  }

  void do_http_write() {
    http::async_write(http_, req_,
                      beast::bind_front_handler(&media_load_call::on_http_write,
                                                shared_from_this()));
  }

  void on_http_write(beast::error_code ec, size_t) {
    if (ec)
      return finish(io_error_kind(ec));
    res_ = {};
    http::async_read(http_, http_buffer_, res_,
                     beast::bind_front_handler(&media_load_call::on_http_read,
                                               shared_from_this()));
  }

  void on_http_read(beast::error_code ec, size_t) {
    if (ec)
      return finish(io_error_kind(ec));
    http_.expires_never();
    if (!res_.keep_alive()) { // the daemon closes: Twilio would reconnect
      http_.socket().shutdown(tcp::socket::shutdown_both, ec);
      http_.close();
      http_open_ = false;
      http_buffer_.clear();
    }
    auto then = posts_.front().then;
    posts_.pop_front();
    posting_ = false;
    if (res_.result_int() != 200)
      return finish("HTTP " + std::to_string(res_.result_int()));
    (this->*then)(res_);
    if (!posting_)
      do_post();
  }

  void ignore_answer(const response&) {
  }

  // -- the call: its TwiML ----------------------------------------------

  void answer() {
    bool out = opts_.load.outbound;
    post(out ? "/voice/outbound" : "/voice/inbound",
         twilio_standard_params(party_, out ? "in-progress" : "ringing"),
         &media_load_call::on_twiml);
  }

  void on_twiml(const response& res) {
    auto doc = read_twiml(res.body());
    if (!doc)
      return finish("TwiML unreadable");
    for (const auto& v : doc->children) {
      if (v.name == "Say" || v.name == "Play") {
        spoke_ = true;
      } else if (v.name == "Connect") {
        const auto* stream = v.find("Stream");
        if (!stream || stream->attr("url").empty())
          return finish("TwiML without <Connect><Stream>");
        return open_stream(v, *stream);
      } else if (v.name == "Dial" || v.name == "Hangup" || v.name == "Reject") {
        // The daemon ended the call: early if the caller had more to say.
        if (conversation_.lines_left())
          return finish("ended early: <" + v.name + ">");
        return end_call();
      } else if (v.name == "Redirect") {
        if (++hops_ > opts_.load.max_redirects)
          return finish("too many redirects");
        return post(v.text, twilio_standard_params(party_, "in-progress"),
                    &media_load_call::on_twiml);
      } else if (v.name == "Gather" || v.name == "Start") {
        return finish("TwiML without <Connect><Stream>");
      }
    }
    end_call(); // the TwiML ran out: Twilio hangs up
  }

  // -- the stream: connect, upgrade, start -------------------------------

  void open_stream(const twiml_node& connect, const twiml_node& stream) {
    if (++hops_ > opts_.load.max_redirects)
      return finish("too many reconnects");
    action_ = connect.attr("action");
    status_callback_ = stream.attr("statusCallback");
    stream_url_ = stream.attr("url");
    ids_ = {random_sid("MZ"), party_.account_sid, party_.call_sid, {}};
    for (const auto& c : stream.children)
      if (c.name == "Parameter")
        ids_.custom_parameters.emplace_back(c.attr("name"), c.attr("value"));
    if (ws_) // a reconnect: the old socket stays until the call ends
      old_sockets_.push_back(std::move(ws_));
    ++generation_;
    queue_.clear();
    writing_ = false;
    write_failed_ = false;
    ws_ = std::make_unique<ws_type>(strand_);
    auto& tcp_layer = beast::get_lowest_layer(*ws_);
    tcp_layer.expires_after(opts_.load.timeout);
    tcp_layer.async_connect(
      setup_->endpoints,
      beast::bind_front_handler(&media_load_call::on_ws_connect,
                                shared_from_this()));
  }

  void on_ws_connect(beast::error_code ec, const tcp::endpoint&) {
    if (ec)
      return finish(connect_error_kind(ec));
    auto& tcp_layer = beast::get_lowest_layer(*ws_);
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);
    // From here the WebSocket's own timeouts: the handshake and the close
    // are bounded, an idle stream is not (the conversation bounds it).
    tcp_layer.expires_never();
    ws_->set_option(websocket::stream_base::timeout{
      opts_.load.timeout, websocket::stream_base::none(), false});
    if (!opts_.load.auth_token.empty()) { // §2.4: the wss URL alone
      auto signature = twilio_signature(opts_.load.auth_token, stream_url_, {});
      ws_->set_option(websocket::stream_base::decorator(
        [signature](websocket::request_type& req) {
          req.set("X-Twilio-Signature", signature);
        }));
    }
    ws_->read_message_max(1 << 20);
    ws_->async_handshake(ws_response_, setup_->host, url_target(stream_url_),
                         beast::bind_front_handler(
                           &media_load_call::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec == websocket::error::upgrade_declined)
      return finish("handshake refused: HTTP "
                    + std::to_string(ws_response_.result_int()));
    if (ec)
      return finish("handshake: " + io_error_kind(ec));
    ws_->text(true);
    auto now = media_clock::now();
    stream_ = std::make_unique<media_stream>(ids_, now, opts_.reply_quiet);
    stream_live_ = true;
    conversation_.stream_started(now, !spoke_);
    auto opening = stream_->opening_frames();
    send(opening);
    do_read();
    schedule_tick();
    if (!status_callback_.empty())
      post(status_callback_,
           stream_status_params(party_, ids_.stream_sid, "stream-started"),
           &media_load_call::ignore_answer);
  }

  // -- the stream: reading, the timer, writing ---------------------------

  void do_read() {
    ws_->async_read(read_buffer_,
                    [self = shared_from_this(),
                     gen = generation_](beast::error_code ec, size_t) {
                      self->on_read(gen, ec);
                    });
  }

  void on_read(uint64_t gen, beast::error_code ec) {
    if (gen != generation_ || finished_ || closing_)
      return;
    if (ec == websocket::error::closed)
      return on_daemon_close();
    if (ec)
      return finish(io_error_kind(ec));
    auto text = beast::buffers_to_string(read_buffer_.data());
    read_buffer_.consume(read_buffer_.size());
    std::vector<std::string> out;
    if (stream_->receive(media_clock::now(), text, out))
      return finish("bad frame from the daemon");
    send(out);
    if (!finished_)
      do_read();
  }

  void schedule_tick() {
    tick_.expires_at(stream_->next_due());
    tick_.async_wait(
      beast::bind_front_handler(&media_load_call::on_tick, shared_from_this()));
  }

  void on_tick(beast::error_code ec) {
    if (ec || finished_ || closing_ || !stream_live_)
      return;
    auto now = media_clock::now();
    std::vector<std::string> out;
    stream_->due(now, out);
    auto status = conversation_.advance(now, *stream_);
    stream_->due(now, out); // keys pressed now go out now
    send(out);
    if (finished_)
      return;
    if (status == media_conversation::status::hang_up)
      return hang_up();
    if (status == media_conversation::status::failed)
      return finish(conversation_.error_kind());
    schedule_tick();
  }

  void send(std::vector<std::string>& out) {
    for (auto& frame : out)
      queue_.push_back(std::move(frame));
    out.clear();
    if (queue_.size() > max_queued_frames)
      return finish("write backlog: the daemon stopped reading");
    if (!writing_ && !write_failed_)
      do_write();
  }

  void do_write() {
    if (queue_.empty()) {
      if (close_after_writes_)
        do_close();
      return;
    }
    writing_ = true;
    ws_->async_write(net::buffer(queue_.front()),
                     [self = shared_from_this(),
                      gen = generation_](beast::error_code ec, size_t) {
                       self->on_write(gen, ec);
                     });
  }

  void on_write(uint64_t gen, beast::error_code ec) {
    if (gen != generation_ || finished_)
      return;
    writing_ = false;
    if (ec) {
      // The read says why (a close from the daemon, a reset).
      write_failed_ = true;
      return;
    }
    queue_.pop_front();
    do_write();
  }

  // -- the stream's end ---------------------------------------------------

  // Once per stream: the last reply collected, the frames counted.
  void stream_over() {
    if (!stream_live_)
      return;
    stream_live_ = false;
    tick_.cancel();
    auto now = media_clock::now();
    stream_->end(now);
    conversation_.stream_ended(now, *stream_);
    frames_sent_ += stream_->frames_sent();
    late_frames_ += stream_->late_frames();
  }

  // The daemon closed the socket: Twilio asks the <Connect action>.
  void on_daemon_close() {
    stream_over();
    if (action_.empty())
      return end_call();
    hops_ = 0;
    post(action_, twilio_standard_params(party_, "in-progress"),
         &media_load_call::on_twiml);
  }

  // The script is over: stop, then the close once it has gone out.
  void hang_up() {
    closing_ = true;
    tick_.cancel();
    std::vector<std::string> stop{stream_->stop_frame()};
    close_after_writes_ = true;
    send(stop);
  }

  void do_close() {
    close_after_writes_ = false;
    ws_->async_close(websocket::close_code::normal,
                     beast::bind_front_handler(&media_load_call::on_closed,
                                               shared_from_this()));
  }

  void on_closed(beast::error_code ec) {
    if (finished_)
      return;
    stream_over();
    if (ec)
      return finish("close: " + io_error_kind(ec));
    if (status_callback_.empty())
      return end_call();
    post(status_callback_,
         stream_status_params(party_, ids_.stream_sid, "stream-stopped"),
         &media_load_call::on_stream_stopped);
  }

  void on_stream_stopped(const response&) {
    end_call();
  }

  void end_call() {
    if (!opts_.load.complete)
      return finish({});
    post("/call-status", twilio_standard_params(party_, "completed"),
         &media_load_call::on_completed);
  }

  void on_completed(const response&) {
    finish({});
  }

  void finish(std::string error) {
    if (finished_)
      return;
    stream_over();
    finished_ = true;
    tick_.cancel();
    beast::error_code ignored;
    http_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    http_.close();
    // Pending reads and writes end with operation_aborted; their
    // handlers see finished_.
    if (ws_)
      beast::get_lowest_layer(*ws_).close();
    auto figures = call_figures(conversation_.events(), opts_.conversation);
    figures.frames_sent = frames_sent_;
    figures.late_frames = late_frames_;
    if (error.empty())
      figures.calls_ok = 1;
    else {
      figures.calls_failed = 1;
      figures.errors[error] = 1;
    }
    auto done = std::move(done_);
    done(std::move(figures));
  }

  std::shared_ptr<const media_load_setup> setup_;
  const media_load_options& opts_;
  net::strand<net::io_context::executor_type> strand_;
  sim_party party_;
  // Webhooks.
  beast::tcp_stream http_;
  bool http_open_ = false;
  beast::flat_buffer http_buffer_;
  http::request<http::string_body> req_;
  response res_;
  std::deque<pending_post> posts_;
  bool posting_ = false;
  int hops_ = 0;       // redirects and streams since the last stream's end
  bool spoke_ = false; // <Say>/<Play> before the <Connect>: no greeting due
  // The stream.
  std::string action_;
  std::string status_callback_;
  std::string stream_url_;
  media_stream_ids ids_;
  std::unique_ptr<ws_type> ws_;
  std::vector<std::unique_ptr<ws_type>> old_sockets_;
  uint64_t generation_ = 0; // of ws_: stale handlers see another
  websocket::response_type ws_response_;
  beast::flat_buffer read_buffer_;
  std::deque<std::string> queue_; // frames to write, front in flight
  bool writing_ = false;
  bool write_failed_ = false;
  bool close_after_writes_ = false;
  bool closing_ = false; // the caller is hanging up
  net::steady_timer tick_;
  std::unique_ptr<media_stream> stream_;
  bool stream_live_ = false;
  media_conversation conversation_;
  int64_t frames_sent_ = 0;
  int64_t late_frames_ = 0;
  bool finished_ = false;
  media_load_done done_;
};

} // namespace

void start_media_load_call(net::io_context& ioc,
                           std::shared_ptr<const media_load_setup> setup,
                           media_load_done done) {
  std::make_shared<media_load_call>(ioc, std::move(setup), std::move(done))
    ->start();
}

} // namespace sb
