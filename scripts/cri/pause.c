/* The pod sandbox's init process (what registry.k8s.io/pause does): holds the pod's
 * namespaces, reaps adopted children, exits 0 on SIGINT/SIGTERM. Built with gcc -static by
 * scripts/lib/cri-images.sh into the local pause image. */
#include <signal.h>
#include <stddef.h>
#include <sys/wait.h>
#include <unistd.h>

static void quit(int sig) {
    (void)sig;
    _exit(0);
}

static void reap(int sig) {
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
}

static void on(int sig, void (*handler)(int)) {
    struct sigaction sa = {0};
    sa.sa_handler = handler;
    sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

int main(void) {
    if (getpid() != 1) {
        /* like the reference: only meaningful as a namespace's init */
        static const char msg[] = "pause: warning: not running as pid 1\n";
        (void)!write(2, msg, sizeof msg - 1);
    }
    on(SIGINT, quit);
    on(SIGTERM, quit);
    on(SIGCHLD, reap);
    for (;;) {
        pause();
    }
}
