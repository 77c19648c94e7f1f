"""Which ``wsgi_endpoint.py`` files are wsgi-probe's own: the only ones install may replace.

A file of that name beside a WSGI script may be the user's: their own module, or a copy of
the endpoint they changed. ``--install`` overwrites and ``--uninstall`` deletes only a file
it can prove it wrote: byte for byte the endpoint this version ships, or one that earlier
versions shipped (their SHA-256 below). When contrib/wsgi_endpoint.py changes, its new hash
is added here (tests/test_install_files.py fails until it is).
"""

from __future__ import annotations

import hashlib

from probe import endpoint_source

SHIPPED = frozenset({
    "84ec3d62ec4ffb64942b089b5e35b4df36b1ffa407684b3415e63018b72eda6d",
    "d2b5ab0b68c00dc877b4a1bd09cb43c3e36a985878028936d3940378863baf71",
    "d85f1a4758580d66fe551f5d362c2fde97fe531a2c78500295233a53c0e6816a",
    "21cbd41e305309467d36d354d0e43f2e76c83fd11a990d9dd96a7584eaa3bde5",
    "9f4adce86b7f6710fb988b27247fdda75b55d868d1602489656403357c98fd53",
    "3072ec2040f329eaa6736d8e1486927c49dc9be121127f976fc8e9900f45db61",
    "7e66301e659381e639fcb4df445071270fd3a9c6511820ff67227e54d4707b06",
    "9c21be603fc49684a8b532fa7943e3164551af13ade3f7623131b64f9186105e",
    "a4e0d6875ee23e3ddf699e18de11c8afec21c304c96a1bcc84ca769c65842dc0",
    "368cf68eba6b89535e065146886b72309b8112fcea03d34dafb0b6b8f10fc99f",
    "c3c03cc9f36e85f5af96a4b4791e8d53728bfa1bf9b9dd3cb1136a8fd6b941ff",
    "2ab8722ee7e506a6c48830e8e5b3f33247817ac700e6b109a59c14b220426156",
    "dff4b5605b8fe47ed55fb191d2864feaeee1f0cd8b90cfe4c9e918a62172e1fe",
    "75da2bf4ea7c2ec7b8e0266b00e60d2bf7c11435b319e810b9063b53335eca6d",
    "c154cd518697231a2c87beaf60de22a933d32a57e902eb511a9966297d8b7d88",
    "0986d51086015ce1d361842b6c9dddc11114c02bcbb7107190e062677e3ba949",
    "3b1e03e37d7cede96796290e8fd40ac1f522fb608d9ded7e6ea072dc930f433e",
    "4201ac767f97261d0c3a934ad4289140a973a49c8b19c230fc1ba5705136596d",
    "45860c953cf88afaabb9f1906beab4057019bb0179ffe738c91f6f4b266f6c77",
    "52dd0f5197c8c0ea6ea62fa15bee69e182977495b53d06d560549675174d045d",
    "53195aa6750f01ef92501eb6f933ca4798d08a61831e4c85bb7cc86c797a8f9b",
    "b3d7728eb3edd70aef2693dce78ef46f0837768f5e56493d7008297df1046d39",
    "c6720de46953d39fb09575a5b6e7210ebc20ab11b0005929f60ca1a4917f65d2",
    "eda7768062d5e396fa0121f2416569ae9c8570674c7edcfc5502f6b4325820fc",
    "753d57c844200835b5af3850a038c61d6d916ea03a6565bfd9256d772e58a665",
    "c29c69750f956e5b30c383d92884d496f0b085dab3f305f12215b2677a881c9f",
    "e5aa6b97a7480d58fa631dff05f4d94afa5e592f3bd44aae61e4ca63f016b50d",
    "11f21a73d422cc00aac0f2b021638583dab18dce9118533e69965796c84e00ff",
    "a9cee4fec4f973f6e3fcb41482482e1b5ed9d254e1ff9ca30570a871054ff8dc",
    "3c8fb7081395536adc8e67713ac20f6175ac49ae5dae0f637caafa88a2542076",
    "9d93b2415b9c2da6f7b9ed117e092166ae8cb4146f6c2f2b87ab74099c00f362",
    "1fadd2b77ddef5fcfd885420c326b0d374692735a83bd28ee9824fa437ee62f7",
    "b905fb484caed66ad87fc043660f109b0871b518a738e049b2bae08e2963ba9c",
    "c23d05396870510ad70b35d43b882998c0e237f6167c293a6a570b965e305fdd",
    "c1c7964847ca14c0286b25ac3786e0c643566e1f2d73410eedd6f149b978c3eb",
    "b659276cc9bd5d9d4b8d5e12e4d1f136da43f553cea2984b92e43260a0e55803",
    "575f1399f1be05b0278640e0b1a640319669fcba5c29f22bb5b8fcfd7544a04b",
    "c210db035cd0858b699ac42559ad359e982bcda6988074dffded72d5297d0250",
    "212ee6785b228cbd671379104cfe476040e86cce7a573c27a3a8ef5182e35ca7",
    "1f26a199cdbc9f8e7f83c7a00aa1209b6852dc8d51682cee32f0fd2a3d5f6b1c",
    "26ffdb955d25232eda57569a0ead31ba070fe2e496fcc5334926ead0e460800c",
    "70811e63be719458bef20162efe4d8b53f4b36bfecdb6ccc91a27a23e772ebe2",
    "89a73ce6c7956d1609d69d0b0e94228ee3a98ae44f3305563d73522be25f9dec",
    "eceeaf66eb4b2f6a0d84d74da3601f493de6f5d02b0d6ad62beb2f9c649da3f0",
    "3a80e7cdb8f90f63126f873bd5550f9b3c68a199f33dcec88e057e56bd267d7b",
    "e1042cc70e23d23691abb9f191e9a519af1cb19a1f6c2367d5f017c3c4c26016",
    "1a4468c2aa406ee82c355c101481df6ea1d6ba0347bfb127e29fa0c2f03cbc73",
    "20de02da441bc26e05787a3447d431732b5895700057a1f208908243cd43f33b",
    "2dac1250c5b4259e1f2fb0ce0a9923604eb20ab4b93593206ca746d1f8ca7841",
})
"""SHA-256 of every contrib/wsgi_endpoint.py wsgi-probe has shipped, this one included."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_ours(data: bytes) -> bool:
    """Whether ``data`` is an endpoint file wsgi-probe wrote (this version's or an earlier)."""
    return digest(data) in SHIPPED or data == endpoint_source.read().encode("utf-8")
