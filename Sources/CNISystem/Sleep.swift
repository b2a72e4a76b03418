/// Blocks the calling thread for `milliseconds` (nanosleep(2), resumed after signals). The
/// plugins poll kernel state this way (a port coming up, IPv6 DAD); there is no run loop.
package func sleep(milliseconds: Int) {
    system_sleep(milliseconds: milliseconds)
}
