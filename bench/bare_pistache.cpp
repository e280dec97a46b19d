// The HTTP ceiling: a bare Pistache handler answering a fixed JSON body, built with the
// same Pistache, threads and keep-alive handling as reeld's edge. Benchmarks run it next to
// reeld in the same run and report reeld's figures as ratios to it.
#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <iostream>
#include <string>

namespace ph = Pistache::Http;

class bare_handler final : public ph::Handler {
 public:
  HTTP_PROTOTYPE(bare_handler)

  void onRequest(const ph::Request&, ph::ResponseWriter writer) override {
    writer.headers().remove<ph::Header::Connection>();
    writer.headers().add<ph::Header::Connection>(ph::ConnectionControl::KeepAlive);
    writer.send(ph::Code::Ok, R"({"status_code":0,"status_msg":"success"})", MIME(Application, Json));
  }
};

int main(int argc, char** argv) {
  std::string listen = argc > 1 ? argv[1] : "127.0.0.1:9090";
  int threads = argc > 2 ? std::stoi(argv[2]) : 2;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  ph::Endpoint endpoint{Pistache::Address(listen)};
  endpoint.init(ph::Endpoint::options().threads(threads).flags(Pistache::Tcp::Options::ReuseAddr));
  endpoint.setHandler(std::make_shared<bare_handler>());
  endpoint.serveThreaded();
  std::cout << "bare_pistache: serving on " << listen << std::endl;
  int sig = 0;
  sigwait(&set, &sig);
  endpoint.shutdown();
}
