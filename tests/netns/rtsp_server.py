#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""rtsp_server.py - the RTSP server of the RTSP netns tests.

GStreamer's RTSP server (gir1.2-gst-rtsp-server-1.0, run by /usr/bin/python3,
whose python3-gi it needs) on ADDR:PORT serving /test: a live 8 kHz mono
L16 test tone as RTP over UDP only.  It prints one line per event, flushed:

    ready ADDR:PORT
    SETUP Transport: <the Transport header as the server received it>
    REPLY Transport: <the Transport header of its SETUP reply>
    TEARDOWN
    SET_PARAMETER

so a test can check what a gateway changed on the way.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def transport_of(msg):
    res, value = msg.get_header(GstRtsp.RTSPHeaderField.TRANSPORT, 0)
    return value if res == GstRtsp.RTSPResult.OK else "(none)"


def on_client(server, client):
    def setup_req(client, ctx):
        say("SETUP Transport: " + transport_of(ctx.request))

    def send_message(client, ctx, msg):
        # (GStreamer 1.22 warns once about this signal's context argument)
        if msg.type == GstRtsp.RTSPMsgType.RESPONSE:
            t = transport_of(msg)
            if t != "(none)":
                say("REPLY Transport: " + t)

    def teardown_req(client, ctx):
        say("TEARDOWN")

    def set_parameter_req(client, ctx):
        say("SET_PARAMETER")

    client.connect("setup-request", setup_req)
    client.connect("teardown-request", teardown_req)
    client.connect("set-parameter-request", set_parameter_req)
    client.connect("send-message", send_message)



def main():
    if len(sys.argv) != 3:
        sys.exit("usage: rtsp_server.py ADDR PORT")
    addr, port = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address(addr)
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        "( audiotestsrc is-live=true samplesperbuffer=160 ! audioconvert ! "
        "audio/x-raw,format=S16BE,rate=8000,channels=1 ! "
        "rtpL16pay name=pay0 pt=96 )")
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.UDP)
    server.get_mount_points().add_factory("/test", factory)
    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        sys.exit("rtsp_server.py: cannot listen on %s:%s" % (addr, port))
    say("ready %s:%s" % (addr, port))
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
